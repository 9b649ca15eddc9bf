// network-status (NPWG §5) as a pure projection of the delegates' own results (docs/adr/0004).
import type { Dns, Result } from '../cni/types.js';

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

/** One entry per pod-side interface; a result without interfaces still gets one entry for the attachment. */
export function projectStatus(att: AttachedNetwork): NetworkStatus[] {
  const r = att.result;
  const ifaces = (r.interfaces ?? []).map((it, index) => ({ it, index }));
  const sandboxed = ifaces.length === 1 ? ifaces : ifaces.filter(({ it }) => it.sandbox);
  const entries = sandboxed.length ? sandboxed : [{ it: { name: att.ifname }, index: -1 }];
  const primary = Math.max(
    0,
    entries.findIndex(({ it }) => it.name === att.ifname),
  );
  const lastPos = entries.length - 1;
  // With one interface (or none) every address is its; otherwise by index, unindexed ones to the last entry.
  const owns = (pos: number, index: number, ipIndex?: number) =>
    entries.length === 1 || (ipIndex === undefined ? pos === lastPos : ipIndex === index);
  return entries.map(({ it, index }, pos) => {
    const ips = (r.ips ?? []).filter((ip) => owns(pos, index, ip.interface)).map((ip) => bare(ip.address));
    const s: NetworkStatus = { name: att.name, interface: it.name };
    if (ips.length) s.ips = ips;
    if ('mac' in it && it.mac) s.mac = it.mac;
    if ('mtu' in it && it.mtu) s.mtu = it.mtu;
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
