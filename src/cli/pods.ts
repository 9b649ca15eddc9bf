// `kubectl braid pods`: pods × networks, as each pod's network-status annotation tells them.
import { isObject } from '../cni/types.js';
import { ANNOTATIONS, type PodInfo } from '../core/sources.js';
import { formatTable } from './table.js';
import { escapeControls } from './terminal.js';

export interface PodNetwork {
  interface?: string;
  network: string;
  ips: string[];
  mac?: string;
  default: boolean;
}

export interface PodNetworks {
  namespace: string;
  name: string;
  networks: PodNetwork[];
  /** Why the networks are not known: no network-status yet, or one that cannot be read. */
  problem?: string;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);

function network(entry: unknown): PodNetwork | undefined {
  if (!isObject(entry) || typeof entry.name !== 'string') return undefined;
  return {
    ...(typeof entry.interface === 'string' ? { interface: entry.interface } : {}),
    network: entry.name,
    ips: strings(entry.ips),
    ...(typeof entry.mac === 'string' ? { mac: entry.mac } : {}),
    default: entry.default === true,
  };
}

/**
 * A pod's networks from its network-status. A pod with neither that nor a networks annotation is none of braid's
 * business (host network, or not scheduled yet): undefined.
 */
export function podNetworks(pod: PodInfo): PodNetworks | undefined {
  const base = { namespace: pod.namespace, name: pod.name, networks: [] as PodNetwork[] };
  const status = pod.annotations[ANNOTATIONS.networkStatus];
  if (status === undefined)
    return pod.annotations[ANNOTATIONS.networks] === undefined ? undefined : { ...base, problem: 'no network-status' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(status);
  } catch {
    return { ...base, problem: 'network-status is not JSON' };
  }
  if (!Array.isArray(parsed)) return { ...base, problem: 'network-status is not a list' };
  const networks = parsed.map(network);
  if (networks.some((n) => !n)) return { ...base, problem: 'network-status has an entry without a name' };
  return { ...base, networks: networks as PodNetwork[] };
}

/** One row per pod and network; NAMESPACE first when the pods are from every namespace. */
export function podsTable(pods: PodNetworks[], allNamespaces: boolean): string {
  const rows = pods.flatMap((p) => {
    const lead = allNamespaces ? [p.namespace, p.name] : [p.name];
    if (p.problem) return [[...lead, '', `(${p.problem})`]];
    return p.networks.map((n) => [
      ...lead,
      n.interface ?? '',
      n.network,
      n.ips.join(','),
      n.mac ?? '',
      n.default ? 'true' : 'false',
    ]);
  });
  const head = [...(allNamespaces ? ['NAMESPACE'] : []), 'POD', 'INTERFACE', 'NETWORK', 'IPS', 'MAC', 'DEFAULT'];
  return formatTable(head, rows, '<none>');
}

/** One pod's networks, without the POD column (`braid explain`). */
export function networksTable(p: PodNetworks): string {
  if (p.problem) return `(${escapeControls(p.problem)})\n`;
  const rows = p.networks.map((n) => [
    n.interface ?? '',
    n.network,
    n.ips.join(','),
    n.mac ?? '',
    n.default ? 'true' : 'false',
  ]);
  return formatTable(['INTERFACE', 'NETWORK', 'IPS', 'MAC', 'DEFAULT'], rows, '<none>');
}
