// Repeated Events against the API stand-in, with braid's real client: the repeat bumps the first Event's count (a
// merge PATCH), is retried as such when the API server is only unavailable, and becomes a new Event when the PATCH is
// refused for good: a braid upgraded without the RBAC to patch Events gets 403 (docs/adr/0010).
import pino from 'pino';
import { ApiClient } from '../../../src/k8s/api.js';
import { EventSender } from '../../../src/k8s/events.js';
import { loadKubeConfig } from '../../../src/k8s/kubeconfig.js';
import { bumpEvent, createEvent, type EventSpec } from '../../../src/k8s/resources.js';
import { startApiServer, type ApiServer } from '../../support/apiserver/client.js';

let api: ApiServer;
let client: ApiClient;
beforeAll(async () => {
  api = await startApiServer();
  client = new ApiClient(() => loadKubeConfig(api.kubeconfigPath));
});
afterAll(async () => {
  await api?.stop();
});
afterEach(async () => {
  await api.control.clearFaults();
});

let n = 0;
/** A pod of its own per test, so that each test sees only its own Events. */
function fresh(): { spec: EventSpec; sender: EventSender; gaveUp: EventSpec[] } {
  const pod = { namespace: 'default', name: `p${++n}`, uid: `uid-${n}` };
  const gaveUp: EventSpec[] = [];
  const sender = new EventSender({
    log: pino({ level: 'silent' }),
    create: (e, ms) => createEvent(client, e, ms),
    bump: (e, made, ms) => bumpEvent(client, e, made, ms),
    cachedPod: () => ({ ...pod, annotations: {}, resourceVersion: '1' }),
    delSince: () => false,
    later: (fn) => void setTimeout(fn, 10), // retries at once
    onGaveUp: (e) => gaveUp.push(e),
  });
  return { spec: { pod, host: 'node-a', type: 'Warning', reason: 'BraidAddFailed', message: 'boom' }, sender, gaveUp };
}

type Ev = { metadata: { name: string }; involvedObject: { name: string }; count: number };
const eventsOf = async (pod: string) =>
  (await api.control.objects<Ev>('events', 'default')).items.filter((e) => e.involvedObject.name === pod);

/** Until the pod has Events whose counts are `counts` (in any order). */
async function until(pod: string, counts: number[]): Promise<Ev[]> {
  let seen: Ev[] = [];
  for (let i = 0; i < 250; i++) {
    seen = await eventsOf(pod);
    if (JSON.stringify(seen.map((e) => e.count).sort()) === JSON.stringify([...counts].sort())) return seen;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(
    `events of ${pod}: counts ${JSON.stringify(seen.map((e) => e.count))}, not ${JSON.stringify(counts)}`,
  );
}

const patches = async (pod: string) =>
  (await api.control.requests()).filter((r) => r.verb === 'PATCH' && r.path.includes(`/events/${pod}.`));

describe('a repeated Event', () => {
  it("bumps the first one's count", async () => {
    const { spec, sender } = fresh();
    sender.send(spec);
    await until(spec.pod.name, [1]);
    sender.send(spec);
    await until(spec.pod.name, [2]);
  });

  it('whose PATCH the API server denies (no RBAC to patch Events): a new Event, at once', async () => {
    const { spec, sender, gaveUp } = fresh();
    sender.send(spec);
    await until(spec.pod.name, [1]);
    await api.control.setFaults({
      failNext: { count: 1000, code: 403, verb: 'PATCH', path: `/events/${spec.pod.name}.` },
    });
    sender.send(spec);
    await until(spec.pod.name, [1, 1]);
    expect((await patches(spec.pod.name)).map((r) => r.code)).toEqual([403]); // tried once, not for a minute
    sender.send(spec); // the next repeat: its count cannot be updated either
    await until(spec.pod.name, [1, 1, 1]);
    expect(gaveUp).toEqual([]);
  });

  it.each([
    ['404 (the Event was deleted)', 404],
    ['422 (refused as invalid)', 422],
  ])('whose PATCH fails %s: a new Event', async (_, code) => {
    const { spec, sender } = fresh();
    sender.send(spec);
    await until(spec.pod.name, [1]);
    await api.control.setFaults({ failNext: { count: 1, code, verb: 'PATCH', path: `/events/${spec.pod.name}.` } });
    sender.send(spec);
    await until(spec.pod.name, [1, 1]);
  });

  it('whose PATCH finds the API server unavailable (503): the count is bumped on a retry', async () => {
    const { spec, sender } = fresh();
    sender.send(spec);
    await until(spec.pod.name, [1]);
    await api.control.setFaults({
      failNext: { count: 1, code: 503, verb: 'PATCH', path: `/events/${spec.pod.name}.` },
    });
    sender.send(spec);
    await until(spec.pod.name, [2]);
    expect((await patches(spec.pod.name)).map((r) => r.code)).toEqual([503, 200]);
  });
});
