// The networks braid is configured with, in attachment order, written once: ADD's plan, STATUS, GC and DEL's last
// resort all read this list. And the one naming rule for the interfaces braid names itself.
import { toConfList } from '../cni/conflist.js';
import type { JsonObject, NetConfList } from '../cni/types.js';
import { resolveNetworkRef } from './network-ref.js';
import type { NodeConfig } from './node-config.js';
import type { ConfFiles, NadSource } from './sources.js';

/** An inline delegate from the node config, or a reference resolved through NADs, confDir and paths. */
export type ConfiguredNetwork = { inline: JsonObject; where: string } | { ref: string };

/**
 * The default network (`clusterNetwork`, else `delegates[0]`), the other inline delegates, then `defaultNetworks`
 * (left out for pods in `systemNamespaces`: `withDefaultNetworks` false).
 */
export function configuredNetworks(config: NodeConfig, withDefaultNetworks = true): ConfiguredNetwork[] {
  const out: ConfiguredNetwork[] = config.clusterNetwork ? [{ ref: config.clusterNetwork }] : [];
  // With clusterNetwork set, inline delegates are a configuration error that planning reports.
  if (!config.clusterNetwork) out.push(...config.delegates.map((inline, i) => ({ inline, where: `delegates[${i}]` })));
  if (withDefaultNetworks) out.push(...config.defaultNetworks.map((ref) => ({ ref })));
  return out;
}

export function resolveConfigured(
  n: ConfiguredNetwork,
  config: NodeConfig,
  src: { nads: NadSource; files: ConfFiles },
): Promise<NetConfList> {
  return 'inline' in n ? Promise.resolve(toConfList(n.inline, n.where)) : resolveNetworkRef(n.ref, config, src);
}

/** The interface name braid gives the attachment at `position` when nobody named it: the runtime's for the first. */
export const ifnameAt = (position: number, runtimeIfname: string) =>
  position === 0 ? runtimeIfname : `net${position}`;
