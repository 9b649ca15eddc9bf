// The soak's misbehaving delegate, written into the run's temp dir as a bash script under two names: `soak-fail`
// answers every ADD with a CNI error, `soak-hang` never answers an ADD (it sleeps until braid's plugin timeout
// kills it). Every other command succeeds. Each call is logged, so the summary counts faults that really reached a
// delegate; each hang leaves its pid and container ID, so a hang still running after its pod's DEL is found.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const FAIL_TYPE = 'soak-fail';
export const HANG_TYPE = 'soak-hang';
/** Long enough that only a kill ends a hang within a run's checks. */
const HANG_SECONDS = 60;

const script = (calls, hangs, mark) => `#!/bin/bash
# braid soak fault plugin (scripts/soak/fault-plugin.mjs); its name says what it does on ADD.
cat >/dev/null
name=\${0##*/}
printf '%s %s %s\\n' "$name" "$CNI_COMMAND" "$CNI_CONTAINERID" >>'${calls}'
case "$CNI_COMMAND" in
  VERSION) printf '{"cniVersion":"1.0.0","supportedVersions":["0.3.0","0.3.1","0.4.0","1.0.0"]}'; exit 0 ;;
  ADD) ;;
  *) exit 0 ;;
esac
if [ "$name" = ${FAIL_TYPE} ]; then
  printf '{"cniVersion":"1.0.0","code":101,"msg":"injected delegate failure (braid soak)"}'
  exit 1
fi
printf '%s\\n' "$CNI_CONTAINERID" >'${hangs}'/$$
exec -a '${mark}' sleep ${HANG_SECONDS}
`;

export class FaultPlugin {
  /** `dir`: the run's temp dir; `tag`: unique to the run, in the command line of every hang. */
  constructor(dir, tag) {
    this.bin = join(dir, 'fault-bin');
    this.calls = join(dir, 'fault-calls.log');
    this.hangs = join(dir, 'fault-hangs');
    this.mark = `braid-soak-hang-${tag}`;
  }

  install() {
    mkdirSync(this.bin, { recursive: true });
    mkdirSync(this.hangs, { recursive: true });
    const file = join(this.bin, FAIL_TYPE);
    writeFileSync(file, script(this.calls, this.hangs, this.mark));
    chmodSync(file, 0o755);
    symlinkSync(file, join(this.bin, HANG_TYPE));
    return this;
  }

  /** ADDs each fault type received: { 'soak-fail': n, 'soak-hang': n }. */
  addCalls() {
    const out = { [FAIL_TYPE]: 0, [HANG_TYPE]: 0 };
    if (!existsSync(this.calls)) return out;
    for (const line of readFileSync(this.calls, 'utf8').split('\n')) {
      const [name, command] = line.split(' ');
      if (command === 'ADD' && name in out) out[name]++;
    }
    return out;
  }

  /** Hangs still running: [{ pid, containerId }], those of one container when given. */
  running(containerId) {
    if (!existsSync(this.hangs)) return [];
    const out = [];
    for (const name of readdirSync(this.hangs)) {
      const pid = Number(name);
      let id;
      try {
        id = readFileSync(join(this.hangs, name), 'utf8').trim();
        if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith(this.mark)) continue;
      } catch {
        continue; // gone
      }
      if (containerId === undefined || id === containerId) out.push({ pid, containerId: id });
    }
    return out;
  }

  /** Ends every hang of this run still running (by pid, each checked to be ours), at clean-up. */
  killAll() {
    for (const { pid } of this.running()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  }
}
