// A CNI bin dir for containerd: it runs every plugin from one directory, `loopback` included (go-cni sets up
// the pod's lo itself), so braid or a test plugin has to sit next to the real plugins.
import { mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { CNI_BIN } from '../netns.js';

/** `dir` with a symlink to each plugin of /usr/lib/cni, plus `extra` (name → executable), which win on a clash. */
export function cniBinDir(dir: string, extra: Record<string, string> = {}): string {
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(CNI_BIN)) if (!(name in extra)) symlinkSync(join(CNI_BIN, name), join(dir, name));
  for (const [name, target] of Object.entries(extra)) symlinkSync(target, join(dir, name));
  return dir;
}
