// network-status (NPWG §5) as a pure projection of the delegates' own results (docs/adr/0004).
import type { Dns, Interface, Result } from '../cni/types.js';

export interface NetworkStatus {
  name: string;
  interface?: string;
  ips?: string[];
  mac?: string;
  mtu?: number;
  default?: boolean;
  dns?: Dns;
  gateway?: string[];
  'device-info'?: unknown;
}

export interface AttachedNetwork {
  /** `ns/nad` for NAD networks, the config name for the default network. */
  name: string;
  ifname: string;
  isDefault: boolean;
  result: Result;
  deviceInfo?: unknown;
}

const bare = (cidr: string) => cidr.split('/')[0]!;
const isDefaultDst = (dst: string) => dst === '0.0.0.0/0' || dst === '::/0';
const family = (ip: string) => (ip.includes(':') ? 6 : 4);

/**
 * Gateways of the attachment's default routes. A default route without "gw" goes via the gateway the
 * plugin reported for that address family (that is the route it installed); Multus writes "<nil>" here.
 */
export function defaultGateways(result: Result): string[] {
  const out: string[] = [];
  for (const route of result.routes ?? []) {
    if (!isDefaultDst(route.dst)) continue;
    const fam = route.dst.includes(':') ? 6 : 4;
    const gw = route.gw || result.ips?.find((ip) => ip.gateway && family(ip.gateway) === fam)?.gateway;
    if (gw && !out.includes(gw)) out.push(gw);
  }
  return out;
}

const hasDns = (dns?: Dns) => !!dns && Object.values(dns).some((v) => (Array.isArray(v) ? v.length > 0 : !!v));

interface Entry {
  it: Interface;
  /** Its index in the result's interfaces; -1 for the entry made up for a result with no pod-side interface. */
  index: number;
}

/**
 * The pod-side interfaces: those with a sandbox. Host-side ones (a bridge, the host end of a veth) are never listed.
 * With none, one entry named after the interface braid asked for, except that a lone interface without sandbox
 * that carries that very name is read as the pod's (a plugin that forgot "sandbox": ADR 0004).
 */
function podSide(r: Result, ifname: string): Entry[] {
  const all = (r.interfaces ?? []).map((it, index) => ({ it, index }));
  const sandboxed = all.filter(({ it }) => it.sandbox);
  if (sandboxed.length) return sandboxed;
  if (all.length === 1 && all[0]!.it.name === ifname) return all;
  return [{ it: { name: ifname }, index: -1 }];
}

/** One entry per pod-side interface; a result without one still gets an entry for the attachment (ADR 0004). */
export function projectStatus(att: AttachedNetwork): NetworkStatus[] {
  const r = att.result;
  const entries = podSide(r, att.ifname);
  const primary = Math.max(
    0,
    entries.findIndex(({ it }) => it.name === att.ifname),
  );
  const lastPos = entries.length - 1;
  const count = r.interfaces?.length ?? 0;
  // An address indexed to an interface is that interface's (none, if it is host-side); one naming no interface
  // of the result goes to the last entry.
  const owns = (pos: number, index: number, ipIndex?: number) =>
    ipIndex !== undefined && Number.isInteger(ipIndex) && ipIndex >= 0 && ipIndex < count
      ? ipIndex === index
      : pos === lastPos;
  return entries.map(({ it, index }, pos) => {
    const ips = (r.ips ?? []).filter((ip) => owns(pos, index, ip.interface)).map((ip) => bare(ip.address));
    const s: NetworkStatus = { name: att.name, interface: it.name };
    if (ips.length) s.ips = ips;
    if (it.mac) s.mac = it.mac;
    if (it.mtu) s.mtu = it.mtu;
    if (att.isDefault && pos === primary) s.default = true;
    if (hasDns(r.dns)) s.dns = r.dns;
    if (pos === primary) {
      const gws = defaultGateways(r);
      if (gws.length) s.gateway = gws;
      if (att.deviceInfo !== undefined && att.deviceInfo !== null) s['device-info'] = att.deviceInfo;
    }
    return s;
  });
}

export const buildNetworkStatus = (attached: AttachedNetwork[]) => attached.flatMap(projectStatus);
