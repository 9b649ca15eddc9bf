// Typed calls to the stand-in's control API (see control.ts for the routes).
import { unixRequest } from '../unix-http.js';
import type { Settings } from './context.js';
import type { ListCounts, RequestRecord } from './counters.js';
import type { FaultSettings } from './faults.js';
import type { RestartOptions } from './lifecycle.js';

export interface ServerState extends Settings {
  resourceVersion: number;
  compactedResourceVersion: number;
  history: number;
  objects: Record<string, number>;
  watches: number;
  /** API connections accepted since start. */
  connections: number;
  /** In the 403 window after a restart. */
  rbacWarming: boolean;
  faults: Required<FaultSettings>;
}

async function viaFetch(url: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

const viaSocket = (socketPath: string, method: string, path: string, body?: unknown) =>
  unixRequest(socketPath, method, path, body === undefined ? undefined : JSON.stringify(body), 'application/json');

export class ControlClient {
  constructor(readonly url: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const { status, text } = this.url.startsWith('unix:')
      ? await viaSocket(this.url.slice(5), method, path, body)
      : await viaFetch(this.url, method, path, body);
    if (status < 200 || status >= 300) throw new Error(`control ${method} ${path}: ${status} ${text}`);
    return JSON.parse(text) as T;
  }

  state = (): Promise<ServerState> => this.call('GET', '/state');
  /** Drop every object and the history, clear faults and counters, end every watch. */
  reset = (): Promise<ServerState> => this.call('POST', '/reset');
  /** Create or replace objects (Pods, NetworkAttachmentDefinitions, Events, DaemonSets); watchers see them. */
  seed = (objects: object | object[]): Promise<{ seeded: number; resourceVersion: string }> =>
    this.call('POST', '/objects', objects);
  objects = <T = Record<string, unknown>>(plural: string, namespace?: string): Promise<{ items: T[] }> =>
    this.call('GET', `/objects/${plural}${namespace ? `?namespace=${encodeURIComponent(namespace)}` : ''}`);
  /** As DELETE does: an object with finalizers is only marked (deletionTimestamp) until a write removes them. */
  deleteObject = (plural: string, namespace: string, name: string): Promise<unknown> =>
    this.call('DELETE', `/objects/${plural}/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`);
  faults = (): Promise<Required<FaultSettings>> => this.call('GET', '/faults');
  /** Change some fault settings; null clears one. */
  setFaults = (settings: FaultSettings): Promise<Required<FaultSettings>> => this.call('PUT', '/faults', settings);
  clearFaults = (): Promise<Required<FaultSettings>> => this.call('DELETE', '/faults');
  /**
   * End every watch (abrupt: drop every connection); compact: older resourceVersions become 410; downMs: refuse
   * connections that long; rbacWarmup: then answer 403 to everything for the configured window (true) or that many ms.
   */
  restart = (opts: RestartOptions = {}): Promise<{ closedWatches: number; resourceVersion: string }> =>
    this.call('POST', '/restart', opts);
  compact = (): Promise<ServerState> => this.call('POST', '/compact');
  /** A BOOKMARK now to every watch that asked for them. */
  bookmark = (): Promise<{ sent: number }> => this.call('POST', '/bookmark');
  /** Every watch times out now, as at its timeoutSeconds: a last bookmark (if it takes them), then a clean end. */
  expireWatches = (): Promise<{ expired: number }> => this.call('POST', '/expire-watches');
  counters = (): Promise<Record<string, number>> => this.call('GET', '/counters');
  /** LISTs per path by the resourceVersion they asked for (reset with the counters). */
  lists = (): Promise<Record<string, ListCounts>> => this.call('GET', '/lists');
  resetCounters = (): Promise<unknown> => this.call('DELETE', '/counters');
  requests = (): Promise<RequestRecord[]> => this.call('GET', '/requests');
  configure = (config: Partial<Settings> & { tokens?: string[] }): Promise<ServerState> =>
    this.call('PUT', '/config', config);
  /** Resolve once at least `n` watches are open (an informer is connected), polling every 20 ms. */
  async waitForWatches(n: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if ((await this.state()).watches >= n) return;
      if (Date.now() > deadline) throw new Error(`fewer than ${n} watches open after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
