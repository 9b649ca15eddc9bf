// clusterNetwork / defaultNetworks references, resolved as Multus does: a NAD in
// defaultNetworkNamespace, else a config in confDir with that name, else a file or directory path.
import { CniError, ErrorCode } from '../cni/errors.js';
import type { NetConfList } from '../cni/types.js';
import { toConfList } from '../cni/conflist.js';
import { confFromNad } from './delegate.js';
import type { NodeConfig } from './node-config.js';
import type { ConfFiles, NadSource } from './sources.js';

export async function resolveNetworkRef(
  ref: string,
  config: NodeConfig,
  src: { nads: NadSource; files: ConfFiles },
): Promise<NetConfList> {
  if (!ref.includes('/')) {
    const nad = await src.nads.getNad(config.defaultNetworkNamespace, ref);
    if (nad) return confFromNad(nad, src.files);
    const byName = src.files.findByName(ref);
    if (byName) return toConfList(byName, `network "${ref}" in ${config.confDir}`);
  }
  const fromPath = ref.startsWith('/') ? src.files.readPath(ref) : undefined;
  if (fromPath) return toConfList(fromPath, ref);
  throw new CniError(
    ErrorCode.InvalidConfig,
    `network "${ref}" not found: it is neither a NetworkAttachmentDefinition in "${config.defaultNetworkNamespace}", nor a config named "${ref}" in ${config.confDir}, nor a config file path`,
  );
}
