// `default-route` (NPWG §4.1.2.1.x): after every attachment is up, the pod's default route for an address
// family goes via the requested gateway, and the other attachments lose theirs, deterministically.
import { isIP } from 'node:net';
import { CniError, ErrorCode } from '../cni/errors.js';
import type { Result, Route } from '../cni/types.js';
import type { Attached } from './attachment.js';
import type { RouteEditor } from './ports.js';

const v4ToInt = (ip: string) => ip.split('.').reduce((n, p) => n * 256 + Number(p), 0);

function inSubnet(gw: string, cidr: string): boolean {
  const [addr, prefixText] = cidr.split('/');
  if (!addr || isIP(addr) !== isIP(gw)) return false;
  const prefix = Number(prefixText);
  if (isIP(gw) === 4) {
    const size = 2 ** (32 - prefix);
    return Math.floor(v4ToInt(gw) / size) === Math.floor(v4ToInt(addr) / size);
  }
  const hex = (ip: string) => expand6(ip);
  const bits = (h: string) => BigInt(`0x${h}`);
  const shift = BigInt(128 - prefix);
  return bits(hex(gw)) >> shift === bits(hex(addr)) >> shift;
}

function expand6(ip: string): string {
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = Array(8 - h.length - t.length).fill('0');
  return [...h, ...(tail !== undefined ? fill : []), ...t].map((p) => p.padStart(4, '0')).join('');
}

const isDefaultFor = (r: Route, fam: number) => (fam === 4 ? r.dst === '0.0.0.0/0' : r.dst === '::/0');

/** Applies the requested default routes; returns the results rewritten to match what is in the pod. */
export async function applyDefaultRoutes(
  editor: RouteEditor,
  netns: string,
  attached: Attached[],
): Promise<Map<Attached, Result>> {
  const changed = new Map<Attached, Result>();
  for (const fam of [4, 6] as const) {
    const owner = attached.find((a) => a.att.selection?.['default-route']?.some((g) => isIP(g) === fam));
    if (!owner) continue;
    const gw = owner.att.selection!['default-route']!.find((g) => isIP(g) === fam)!;
    const subnet = attached.flatMap((a) => a.result.ips ?? []).find((ip) => inSubnet(gw, ip.address));
    if (!subnet) {
      throw new CniError(
        ErrorCode.InvalidConfig,
        `network ${owner.att.name}: default-route gateway ${gw} is outside every attached subnet`,
      );
    }
    await editor.setDefaultRoute(netns, fam, gw, owner.att.ifname);
    for (const a of attached) {
      const base = changed.get(a) ?? a.result;
      const routes = (base.routes ?? []).filter((r) => !isDefaultFor(r, fam));
      if (a === owner) routes.push({ dst: fam === 4 ? '0.0.0.0/0' : '::/0', gw });
      changed.set(a, { ...base, routes });
    }
  }
  return changed;
}
