// The API-server stand-in (dist-test/apiserver.mjs, `npm run build:support`) as a child process, and the few
// control-API calls the bench needs (test/support/apiserver/control.ts lists them all). The control API is never
// counted, so reading the counters does not disturb them.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeKubeconfig } from './configs.mjs';
import { http } from './http.mjs';
import { jsonLine } from './proc.mjs';

/** `bundle`: dist-test/apiserver.mjs or a copy of it (artifacts.mjs). */
export async function startApiServer(bundle, dir) {
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run \`npm run build:support\``);
  const token = randomBytes(16).toString('hex');
  // --exit-with-stdin: it goes away with this process even if the bench is killed.
  const child = spawn(process.execPath, [bundle, '--token', token, '--exit-with-stdin', '--history', '100000'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const ready = await jsonLine(child, (v) => v.event === 'listening', 30_000);
  const control = async (method, path, body) => {
    const { status, text } = await http(`${ready.controlUrl}${path}`, { method, body });
    if (status < 200 || status >= 300)
      throw new Error(`stand-in control ${method} ${path}: ${status} ${text.slice(0, 300)}`);
    return JSON.parse(text);
  };
  return {
    url: ready.url,
    controlUrl: ready.controlUrl,
    ca: ready.ca,
    token,
    pid: child.pid,
    kubeconfig: writeKubeconfig(join(dir, 'kubeconfig'), { server: ready.url, token, ca: ready.ca }),
    /** Seed objects, 1,000 per request. */
    async seed(objects) {
      for (let i = 0; i < objects.length; i += 1000) await control('POST', '/objects', objects.slice(i, i + 1000));
    },
    counters: () => control('GET', '/counters'),
    resetCounters: () => control('DELETE', '/counters'),
    state: () => control('GET', '/state'),
    objects: (plural, namespace) => control('GET', `/objects/${plural}${namespace ? `?namespace=${namespace}` : ''}`),
    deleteObject: (plural, ns, name) => control('DELETE', `/objects/${plural}/${ns}/${name}`),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      child.stdin.destroy();
      await exited;
    },
  };
}

/**
 * The stand-in's counters ("VERB /path" → n) sorted into what the goals speak of: reads (GET and LIST, not
 * WATCH), status writes (PATCH/PUT of a pod or its status), events (POST/PATCH of Events), other writes.
 */
export function classify(counters) {
  const out = { reads: 0, statusWrites: 0, events: 0, otherWrites: 0, watches: 0 };
  for (const [key, n] of Object.entries(counters)) {
    const [verb, path] = key.split(' ');
    if (verb === 'WATCH') out.watches += n;
    else if (verb === 'GET') out.reads += n;
    else if (/\/events(\/|$)/.test(path)) out.events += n;
    else if ((verb === 'PATCH' || verb === 'PUT') && /\/pods\/[^/]+(\/status)?$/.test(path)) out.statusWrites += n;
    else out.otherWrites += n;
  }
  return out;
}
