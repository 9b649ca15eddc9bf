// Plugin lookup as libcni's invoke.FindInPath: the first executable file named `type` in the
// search path (braid's binDir first, then CNI_PATH).
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';
import { CniError, ErrorCode } from '../cni/errors.js';
import { checkPluginType } from '../cni/plugin-type.js';

/** The plugin's path as seen from `root` (the host's root when the daemon runs delegates chrooted). */
export function findPlugin(type: string, searchPath: string[], root = ''): string {
  checkPluginType(type);
  const dirs = [...new Set(searchPath)]; // binDir is often in CNI_PATH too; name each directory once
  for (const dir of dirs) {
    const candidate = join(dir, type);
    try {
      if (!statSync(root + candidate).isFile()) continue;
      accessSync(root + candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next directory
    }
  }
  throw new CniError(
    ErrorCode.InvalidConfig,
    `failed to find plugin "${type}" in path [${dirs.join(' ')}]`,
    'install the plugin binary into binDir or a CNI_PATH directory, or fix the "type" in the network config',
  );
}
