// Test helper: start the API-server stand-in as a child process and drive its control API.
//
//   const api = await startApiServer();
//   const kc = new KubeConfig(); kc.loadFromFile(api.kubeconfigPath);
//   ...
//   await api.stop();   // in afterAll: kills the process, removes the temp dir
//
// The server is the esbuild bundle dist-test/apiserver.mjs (`npm run build:support`); its stdin is a pipe from this
// process, so it exits on its own if the test runner dies without calling stop().
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ControlClient } from './control-client.js';

export { ControlClient } from './control-client.js';
export type { FaultSettings, OutageMode, StorageDown } from './faults.js';
export type { ListCounts } from './counters.js';

export interface StartOptions {
  /** Tokens the server accepts at start (written to its token file); default one random token. */
  tokens?: string[];
  /** How many changes watches can replay before a resourceVersion is too old (410). Default 1000. */
  historyLimit?: number;
  /** How 410 reaches a watch: an ERROR event in the stream (as a real API server) or the HTTP status. */
  goneAs?: 'event' | 'http';
  /** The kubeconfig skips TLS verification instead of carrying the CA. */
  insecure?: boolean;
  /** The path of the bundle; default dist-test/apiserver.mjs at the repository root. */
  bundle?: string;
  extraArgs?: string[];
  startTimeoutMs?: number;
  /** Run inside this network namespace (its loopback); the control API is then a unix socket in the temp dir. */
  netns?: string;
}

export interface ApiServer {
  url: string;
  /** The first accepted token; the kubeconfig uses it. */
  token: string;
  tokenFile: string;
  kubeconfigPath: string;
  /** PEM of the self-signed serving certificate (the CA of the kubeconfig). */
  ca: string;
  pid: number;
  control: ControlClient;
  /** Write another kubeconfig into the temp dir (e.g. with another token); returns its path. */
  writeKubeconfig(opts?: { token?: string; name?: string; tokenFileAuth?: boolean }): string;
  /** Replace the accepted tokens (the server re-reads the file on every request); the kubeconfig follows the first. */
  rotateTokens(tokens: string[]): void;
  stop(): Promise<void>;
}

const defaultBundle = fileURLToPath(new URL('../../../dist-test/apiserver.mjs', import.meta.url));

export const newToken = (): string => randomBytes(16).toString('hex');

export async function startApiServer(opts: StartOptions = {}): Promise<ApiServer> {
  const bundle = opts.bundle ?? process.env.BRAID_APISERVER_BUNDLE ?? defaultBundle;
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run \`npm run build:support\` first`);
  const dir = mkdtempSync(join(tmpdir(), 'braid-apiserver-'));
  const tokens = opts.tokens ?? [newToken()];
  const tokenFile = join(dir, 'tokens');
  // No trailing newline: client-node sends a token file's bytes verbatim.
  writeFileSync(tokenFile, tokens.join('\n'), { mode: 0o600 });
  const args = [
    bundle,
    '--token-file',
    tokenFile,
    '--exit-with-stdin',
    '--history',
    String(opts.historyLimit ?? 1000),
    '--gone-as',
    opts.goneAs ?? 'event',
    ...(opts.netns ? ['--control-socket', join(dir, 'control.sock')] : []),
    ...(opts.extraArgs ?? []),
  ];
  // `ip netns exec` execs the program itself, so the child's pid is the server's.
  const child = opts.netns
    ? spawn('ip', ['netns', 'exec', opts.netns, process.execPath, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
    : spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let ready: { url: string; controlUrl: string; ca: string; pid: number };
  try {
    ready = await waitForListening(child, opts.startTimeoutMs ?? 15_000);
  } catch (err) {
    await kill(child);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const writeKubeconfig: ApiServer['writeKubeconfig'] = ({
    token = tokens[0] ?? '',
    name = 'kubeconfig',
    tokenFileAuth = false,
  } = {}) => {
    const path = join(dir, name);
    const cluster = opts.insecure
      ? { server: ready.url, 'insecure-skip-tls-verify': true }
      : { server: ready.url, 'certificate-authority-data': Buffer.from(ready.ca).toString('base64') };
    // tokenFileAuth: the in-cluster style, where client-node re-reads the file at most every 60 s.
    const user = tokenFileAuth ? { 'auth-provider': { name: 'tokenFile', config: { tokenFile } } } : { token };
    writeFileSync(
      path,
      JSON.stringify(
        {
          apiVersion: 'v1',
          kind: 'Config',
          'current-context': 'standin',
          clusters: [{ name: 'standin', cluster }],
          users: [{ name: 'standin', user }],
          contexts: [{ name: 'standin', context: { cluster: 'standin', user: 'standin', namespace: 'default' } }],
        },
        null,
        2,
      ),
      { mode: 0o600 },
    );
    return path;
  };

  const server: ApiServer = {
    url: ready.url,
    token: tokens[0] ?? '',
    tokenFile,
    kubeconfigPath: writeKubeconfig(),
    ca: ready.ca,
    pid: ready.pid,
    control: new ControlClient(ready.controlUrl),
    writeKubeconfig,
    rotateTokens(next) {
      writeFileSync(tokenFile, next.join('\n'), { mode: 0o600 });
      server.token = next[0] ?? '';
      writeKubeconfig({ token: server.token });
    },
    async stop() {
      await kill(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

function waitForListening(
  child: ChildProcess,
  timeoutMs: number,
): Promise<{ url: string; controlUrl: string; ca: string; pid: number }> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const fail = (why: string): void => {
      clearTimeout(timer);
      reject(new Error(`API-server stand-in did not start: ${why}\n${stderr}`));
    };
    const timer = setTimeout(() => fail(`no "listening" line within ${timeoutMs} ms`), timeoutMs);
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code, signal) => fail(`exited with ${code ?? signal}`));
    child.once('error', (err) => fail(err.message));
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((l) => l.includes('"listening"'));
      if (!line) return;
      clearTimeout(timer);
      resolve(JSON.parse(line) as { url: string; controlUrl: string; ca: string; pid: number });
    });
  });
}

/** SIGTERM, then SIGKILL if it has not exited within 3 s. */
async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
  child.stdin?.destroy();
}
