// What a delegate's `type` may be: a plain binary name, never braid itself (a NAD must not make braid run an
// arbitrary path as root, or recurse).
import { CniError, ErrorCode } from './errors.js';

export function checkPluginType(type: unknown): string {
  if (typeof type !== 'string' || type === '')
    throw new CniError(ErrorCode.InvalidConfig, 'plugin config has no "type"');
  if (type === 'braid') {
    // A NAD naming braid would run braid with that NAD's config as its node config (its own binDir, logFile,
    // cacheDir, delegates): a way for a namespace user to run any binary as root on the node, or to recurse.
    throw new CniError(ErrorCode.InvalidConfig, 'plugin type "braid" cannot be a delegate of braid');
  }
  if (type.includes('/') || type.includes('\\') || type.includes('..')) {
    throw new CniError(ErrorCode.InvalidConfig, `plugin type "${type}" must be a plain binary name, without a path`);
  }
  return type;
}
