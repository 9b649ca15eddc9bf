// The one seam through which every delegate runs. Tests use the real implementation with a
// scriptable test plugin; nothing fakes this interface.
import type { CniCommand } from '../cni/request.js';

export interface PluginCall {
  /** The plugin's `type`, looked up in the search path. */
  type: string;
  command: CniCommand;
  /** Exact bytes for the plugin's stdin. */
  stdin: string;
  /** CNI_* variables for this call; the rest of the environment is the caller's. */
  cniEnv: Record<string, string>;
}

export interface PluginExec {
  /** Runs the plugin; resolves with its parsed stdout (undefined when empty), throws a CniError. */
  exec(call: PluginCall): Promise<unknown>;
}
