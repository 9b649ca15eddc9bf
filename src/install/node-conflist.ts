// The node CNI config braid installs (00-braid.conflist), derived from the primary network's config.
import { isObject, type JsonObject } from '../cni/types.js';
import { isSupportedVersion } from '../cni/version.js';

export const BRAID_CONFLIST = '00-braid.conflist';

/** The capabilities the primary's plugins declare, so the kubelet still passes portMappings/bandwidth. */
function capabilitiesOf(primary: JsonObject): Record<string, boolean> {
  const plugins = Array.isArray(primary.plugins) ? primary.plugins : [primary];
  const caps: Record<string, boolean> = {};
  for (const p of plugins) {
    if (!isObject(p) || !isObject(p.capabilities)) continue;
    for (const [k, v] of Object.entries(p.capabilities)) if (v === true) caps[k] = true;
  }
  return caps;
}

export interface NodeConflistInput {
  /** Path of the primary config on the host, or undefined when braid's own settings name the default network. */
  primaryPath?: string;
  primary?: JsonObject;
  /** braid's own keys for its plugin entry (daemonSocket, cacheDir, …). */
  settings: JsonObject;
}

export function buildNodeConflist(input: NodeConflistInput): JsonObject {
  const version =
    typeof input.primary?.cniVersion === 'string' && isSupportedVersion(input.primary.cniVersion)
      ? input.primary.cniVersion
      : '1.0.0';
  const capabilities = {
    ...(input.primary ? capabilitiesOf(input.primary) : {}),
    'io.kubernetes.cri.pod-annotations': true,
  };
  const entry: JsonObject = { type: 'braid', ...input.settings, capabilities };
  if (input.primaryPath) entry.clusterNetwork = input.primaryPath;
  return { cniVersion: version, name: 'braid', plugins: [entry] };
}

export const renderConflist = (c: JsonObject) => `${JSON.stringify(c, null, 2)}\n`;
