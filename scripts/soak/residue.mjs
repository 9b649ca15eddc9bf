// What braid and its delegates leave on the node, read from where it lives: host-local's lease files (one per
// address, holding the container ID), braid's cacheDir (plans, libcni's result cache, owed status clears), and
// the links of a network namespace.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { links } from './netns.mjs';
import { ipamDir, ipamNetworks } from './world.mjs';

/** Every lease: [{ network, ip, owner }]; host-local's lock and last_reserved_ip.* files are not leases. */
export function leases(dir) {
  const out = [];
  for (const network of ipamNetworks(dir)) {
    const d = join(ipamDir(dir), network);
    if (!existsSync(d)) continue;
    for (const ip of readdirSync(d)) {
      if (ip === 'lock' || ip.startsWith('last_reserved_ip.')) continue;
      let owner = '?';
      try {
        owner = readFileSync(join(d, ip), 'utf8').split(/\s/)[0];
      } catch {
        // released meanwhile
      }
      out.push({ network, ip, owner });
    }
  }
  return out;
}

/** Every file under `dir`, relative to it. */
export function files(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => relative(dir, join(e.parentPath ?? e.path, e.name)))
    .sort();
}

/** Owed network-status clears (a DEL made while the daemon was down): the next daemon start makes them. */
export const OWED_DIR = 'status-clear';

/**
 * What one container still holds ([{ kind, what }]): links in its pod netns besides lo, leases it owns, files in cacheDir naming it
 * (owed status clears aside). Its ID has nothing braid escapes in file names, so a name holding it is its own.
 */
export async function residueOf({ dir, cacheDir }, containerId, netns) {
  const left = [];
  for (const l of await links(netns))
    if (l.name !== 'lo') left.push({ kind: 'interfaces', what: `interface ${l.name} (${l.kind}) in the pod netns` });
  for (const l of leases(dir))
    if (l.owner === containerId) left.push({ kind: 'addresses', what: `host-local lease ${l.network}/${l.ip}` });
  for (const f of files(cacheDir))
    if (f.includes(containerId) && !f.startsWith(`${OWED_DIR}/`)) left.push({ kind: 'files', what: `cacheDir/${f}` });
  return left;
}
