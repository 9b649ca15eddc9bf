// Plugin lookup as libcni's invoke.FindInPath: the first executable file named `type` in the
// search path (braid's binDir first, then CNI_PATH).
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';
import { CniError, ErrorCode } from '../cni/errors.js';
import { checkPluginType } from '../cni/plugin-type.js';

/** A regular file this process may execute (a directory can be "executable" too). */
export function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The plugin's path as seen from `root` (the host's root when the daemon runs delegates chrooted). */
export function findPlugin(type: string, searchPath: string[], root = ''): string {
  checkPluginType(type);
  const dirs = [...new Set(searchPath)]; // binDir is often in CNI_PATH too; name each directory once
  for (const dir of dirs) {
    const candidate = join(dir, type);
    if (isExecutableFile(root + candidate)) return candidate;
  }
  throw new CniError(
    ErrorCode.InvalidConfig,
    `failed to find plugin "${type}" in path [${dirs.join(' ')}]`,
    'install the plugin binary into binDir or a CNI_PATH directory, or fix the "type" in the network config',
  );
}
