// HTTP to a server that listens inside a test's node netns (the daemon's metricsAddress), by running a one-line
// Node client there; Prometheus text parsed into samples; polling until a condition holds.
import { execa } from 'execa';

export interface HttpAnswer {
  status: number;
  text: string;
}

const CLIENT = `fetch(process.argv[1]).then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, text: await r.text() })),
  (e) => { process.stderr.write(String(e.cause?.code ?? e.message)); process.exitCode = 7; });`;

/** GET `url` from inside `netns`; rejects when nothing answers (e.g. ECONNREFUSED before the server listens). */
export async function getInNetns(netns: string, url: string): Promise<HttpAnswer> {
  const out = await execa('ip', ['netns', 'exec', netns, process.execPath, '-e', CLIENT, url], { reject: false, timeout: 10_000 });
  if (out.exitCode !== 0) throw new Error(`GET ${url} in ${netns}: ${out.stderr || `exit ${out.exitCode}`}`);
  return JSON.parse(out.stdout) as HttpAnswer;
}

/** Prometheus text exposition → `name{labels}` → value (HELP/TYPE lines left out). */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Calls `check` every `everyMs` until it returns a value other than undefined/false; its errors count as "not yet". */
export async function eventually<T>(check: () => Promise<T | undefined | false>, what: string, ms = 15_000, everyMs = 100): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(everyMs);
  }
}
