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
  const out = await execa('ip', ['netns', 'exec', netns, process.execPath, '-e', CLIENT, url], {
    reject: false,
    timeout: 10_000,
  });
  if (out.exitCode !== 0) throw new Error(`GET ${url} in ${netns}: ${out.stderr || `exit ${out.exitCode}`}`);
  return JSON.parse(out.stdout) as HttpAnswer;
}

export { parseMetrics } from './prometheus.js';
export { eventually, sleep } from './wait.js';
