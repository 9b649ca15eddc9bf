// config-watch's shutdown path (docs/adr/0018): the real `braid install --auto --watch --cleanup-on-uninstall`
// process, in temp conf and bin dirs, against the API stand-in, gets SIGTERM and must remove 00-braid.conflist and
// the executable only when its DaemonSet is gone or being deleted; with the DaemonSet there, the API unreachable or
// refusing, or a DaemonSet it never saw, both stay. Run with the Node CLI (bin/braid) and the compiled executable
// the DaemonSet runs (dist/braid). First, the stand-in's DaemonSets behave as the API server's: finalizers hold a
// deletion (deletionTimestamp), and the object is 404 once they are removed.
import { execa, type ResultPromise } from 'execa';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiClient } from '../../src/k8s/api.js';
import { classifyApiError } from '../../src/k8s/errors.js';
import { loadKubeConfig } from '../../src/k8s/kubeconfig.js';
import { daemonSetPath } from '../../src/k8s/uninstall.js';
import { startApiServer, type ApiServer } from '../support/apiserver/client.js';
import { BRAID_BIN, REPO, TempDir } from '../support/netns.js';
import { eventually } from '../support/wait.js';

const NS = 'braid-system';
const BINARY = join(REPO, 'dist/braid');
const EXECUTABLES = [...new Set([BRAID_BIN, BINARY])];

const tmp = new TempDir();
let api: ApiServer;
let client: ApiClient;
const running: ResultPromise[] = [];
let seq = 0;
/** A DaemonSet name of its own for each case. */
const uniqueName = (what: string) => `${what}-${++seq}`;

beforeAll(async () => {
  api = await startApiServer();
  client = new ApiClient(() => loadKubeConfig(api.kubeconfigPath));
});
afterEach(async () => {
  await api.control.clearFaults();
});
afterAll(async () => {
  for (const p of running) p.kill('SIGKILL');
  await Promise.allSettled(running);
  await api?.stop();
  tmp.remove();
});

const daemonSet = (name: string, finalizers?: string[]) => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name, namespace: NS, labels: { app: name }, ...(finalizers ? { finalizers } : {}) },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: {} } },
});

interface Meta {
  metadata: { uid?: string; deletionTimestamp?: string; deletionGracePeriodSeconds?: number; finalizers?: string[] };
}
const get = (name: string) => client.request<Meta>('GET', daemonSetPath({ namespace: NS, name }));
const statusOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return 200;
  } catch (err) {
    return classifyApiError(err).status;
  }
};

describe('the API stand-in serves apps/v1 DaemonSets as the API server does', () => {
  it('a DELETE without finalizers removes it (a Status answer, then 404)', async () => {
    await api.control.seed(daemonSet('plain'));
    expect((await get('plain')).metadata.uid).toEqual(expect.any(String));
    const answer = await client.request<{ kind: string; status: string }>(
      'DELETE',
      daemonSetPath({ namespace: NS, name: 'plain' }),
    );
    expect(answer).toMatchObject({ kind: 'Status', status: 'Success' });
    expect(await statusOf(get('plain'))).toBe(404);
  });

  it('finalizers hold a deletion: deletionTimestamp set, no new finalizer taken, gone when the last one is removed', async () => {
    await api.control.seed(daemonSet('held'));
    // What `kubectl delete --cascade=foreground` sends: the garbage collector's finalizer is added.
    const marked = await client.request<Meta>('DELETE', daemonSetPath({ namespace: NS, name: 'held' }), {
      body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground' },
    });
    expect(marked.metadata).toMatchObject({
      finalizers: ['foregroundDeletion'],
      deletionTimestamp: expect.any(String),
      deletionGracePeriodSeconds: 0,
    });
    expect((await get('held')).metadata.deletionTimestamp).toBe(marked.metadata.deletionTimestamp);
    const patch = (metadata: object) =>
      client.request<Meta>('PATCH', daemonSetPath({ namespace: NS, name: 'held' }), {
        body: { metadata },
        contentType: 'application/merge-patch+json',
      });
    expect(await statusOf(patch({ finalizers: ['foregroundDeletion', 'example.com/more'] }))).toBe(422);
    expect(await statusOf(patch({ deletionTimestamp: null }))).toBe(200);
    expect((await get('held')).metadata.deletionTimestamp).toBe(marked.metadata.deletionTimestamp); // immutable
    await patch({ finalizers: null });
    expect(await statusOf(get('held'))).toBe(404);
  });

  it('the control API deletes as DELETE does: an object with finalizers is only marked', async () => {
    await api.control.seed(daemonSet('ctl', ['example.com/hold']));
    await api.control.deleteObject('daemonsets', NS, 'ctl');
    expect((await get('ctl')).metadata).toMatchObject({
      finalizers: ['example.com/hold'],
      deletionTimestamp: expect.any(String),
    });
  });
});

describe.each(EXECUTABLES.map((bin) => [bin.slice(REPO.length + 1), bin]))(
  'braid install --watch --cleanup-on-uninstall (%s), on SIGTERM',
  (label, bin) => {
    /** A node's conf and bin dirs with a primary config, and config-watch started on them, armed or not. */
    async function startWatch(dsName: string, opts: { expectArmed?: boolean } = {}) {
      const root = tmp.sub(`${dsName}-${++seq}`);
      const confDir = join(root, 'net.d');
      const binDir = join(root, 'bin');
      mkdirSync(confDir, { recursive: true });
      writeFileSync(
        join(confDir, '10-net.conflist'),
        JSON.stringify({ cniVersion: '1.0.0', name: 'pods', plugins: [{ type: 'bridge' }] }),
      );
      const proc = execa(
        bin,
        [
          'install',
          '--bin-dir',
          binDir,
          '--conf-dir',
          confDir,
          '--auto',
          '--watch',
          '--cleanup-on-uninstall',
          '--kubeconfig',
          api.kubeconfigPath,
          '--source',
          BINARY,
          '--log-level',
          'info',
        ],
        {
          reject: false,
          env: { BRAID_DAEMONSET_NAMESPACE: NS, BRAID_DAEMONSET_NAME: dsName },
          // The kubelet waits terminationGracePeriodSeconds (45 s), not execa's default 5 s, before SIGKILL.
          forceKillAfterDelay: false,
        },
      );
      running.push(proc);
      let stderr = '';
      proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
      const conf = join(confDir, '00-braid.conflist');
      const binary = join(binDir, 'braid');
      const want = opts.expectArmed === false ? 'DaemonSet not found' : 'uninstall check armed';
      await eventually(async () => existsSync(conf) && existsSync(binary) && stderr.includes(want), want, 20_000);
      return {
        conf,
        binary,
        /** SIGTERM, then the exit code and the one decision line. */
        async stop() {
          proc.kill('SIGTERM');
          const { exitCode } = await proc;
          const lines = stderr
            .split('\n')
            .filter((l) => l.includes('"decision"'))
            .map((l) => JSON.parse(l) as { decision: string; reason: string; daemonSet: string; msg: string });
          expect(lines).toHaveLength(1);
          return { exitCode, decision: lines[0]!, stderr };
        },
      };
    }

    const shutdownGets = async (name: string) =>
      (await api.control.counters())[`GET ${daemonSetPath({ namespace: NS, name })}`] ?? 0;

    it('the DaemonSet is there (a rolling update, a pod deletion, a node shutdown): config and executable stay', async () => {
      const name = uniqueName('present');
      await api.control.seed(daemonSet(name));
      const w = await startWatch(name);
      const before = await shutdownGets(name);
      const { exitCode, decision } = await w.stop();
      expect(exitCode).toBe(0);
      expect(decision).toMatchObject({ decision: 'keep', daemonSet: `${NS}/${name}` });
      expect(await shutdownGets(name)).toBe(before + 1); // it did ask
      expect(existsSync(w.conf)).toBe(true);
      expect(readFileSync(w.binary).equals(readFileSync(BINARY))).toBe(true);
    });

    it('the DaemonSet is gone (404): config and executable are removed', async () => {
      const name = uniqueName('gone');
      await api.control.seed(daemonSet(name));
      const w = await startWatch(name);
      await api.control.deleteObject('daemonsets', NS, name);
      const { exitCode, decision } = await w.stop();
      expect(exitCode).toBe(0);
      expect(decision).toMatchObject({ decision: 'uninstall', reason: 'the DaemonSet is gone' });
      expect(existsSync(w.conf)).toBe(false);
      expect(existsSync(w.binary)).toBe(false);
      expect(existsSync(join(w.conf, '..', '10-net.conflist'))).toBe(true); // the primary's config is not braid's
    });

    it('the DaemonSet is being deleted (deletionTimestamp, foreground): config and executable are removed', async () => {
      const name = uniqueName('deleting');
      await api.control.seed(daemonSet(name));
      const w = await startWatch(name);
      await client.request('DELETE', daemonSetPath({ namespace: NS, name }), {
        body: { propagationPolicy: 'Foreground' },
      });
      const { exitCode, decision } = await w.stop();
      expect(exitCode).toBe(0);
      expect(decision).toMatchObject({
        decision: 'uninstall',
        reason: 'the DaemonSet is being deleted',
        deletionTimestamp: expect.any(String),
      });
      expect(existsSync(w.conf)).toBe(false);
      expect(existsSync(w.binary)).toBe(false);
    });

    it('the API server is unreachable: both stay (within the check bound)', async () => {
      const name = uniqueName('unreachable');
      await api.control.seed(daemonSet(name));
      const w = await startWatch(name);
      await api.control.deleteObject('daemonsets', NS, name); // gone, but nobody can tell
      await api.control.setFaults({ outage: 'refuse' });
      const t0 = Date.now();
      const { exitCode, decision } = await w.stop();
      expect(Date.now() - t0).toBeLessThan(15_000);
      expect(exitCode).toBe(0);
      expect(decision).toMatchObject({ decision: 'keep', error: expect.stringMatching(/ECONNREFUSED|reach/) });
      expect(existsSync(w.conf)).toBe(true);
      expect(existsSync(w.binary)).toBe(true);
    });

    it('the API server refuses (403: the Role or service account deleted first): both stay', async () => {
      const name = uniqueName('forbidden');
      await api.control.seed(daemonSet(name));
      const w = await startWatch(name);
      await api.control.deleteObject('daemonsets', NS, name);
      await api.control.setFaults({ failNext: { count: 1000, code: 403, path: '/daemonsets/' } });
      const { exitCode, decision } = await w.stop();
      expect(exitCode).toBe(0);
      expect(decision).toMatchObject({ decision: 'keep' });
      expect(existsSync(w.conf)).toBe(true);
      expect(existsSync(w.binary)).toBe(true);
    });

    it('a DaemonSet it never saw since it started (a wrong name): a 404 at SIGTERM removes nothing', async () => {
      const w = await startWatch('renamed', { expectArmed: false });
      const { exitCode, decision } = await w.stop();
      expect(exitCode).toBe(0);
      expect(decision).toMatchObject({ decision: 'keep', reason: expect.stringContaining('never found') });
      expect(existsSync(w.conf)).toBe(true);
      expect(existsSync(w.binary)).toBe(true);
    });
  },
);

describe('braid install --cleanup-on-uninstall, misused', () => {
  it('without --watch, or without the DaemonSet in the environment: a usage error, nothing installed', async () => {
    const root = tmp.sub('misused');
    const args = ['install', '--bin-dir', join(root, 'bin'), '--conf-dir', root, '--cleanup-on-uninstall'];
    const noWatch = await execa(BRAID_BIN, args, {
      reject: false,
      env: { BRAID_DAEMONSET_NAMESPACE: NS, BRAID_DAEMONSET_NAME: 'braid' },
    });
    expect(noWatch.exitCode).toBe(1);
    expect(noWatch.stderr).toContain('--cleanup-on-uninstall needs --watch');
    const noEnv = await execa(BRAID_BIN, [...args, '--watch'], {
      reject: false,
      env: { BRAID_DAEMONSET_NAMESPACE: '', BRAID_DAEMONSET_NAME: '' },
    });
    expect(noEnv.exitCode).toBe(1);
    expect(noEnv.stderr).toContain('BRAID_DAEMONSET_NAMESPACE and BRAID_DAEMONSET_NAME');
    expect(existsSync(join(root, 'bin', 'braid'))).toBe(false);
  });
});
