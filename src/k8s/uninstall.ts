// Is braid being uninstalled, or only stopped? Asked by config-watch when it gets SIGTERM (docs/adr/0018): a stopping
// pod cannot tell by itself, and only an uninstall may take the CNI config off the node.
//   the DaemonSet is gone (404) or has a deletionTimestamp        → uninstall: remove the config and the executable
//   it is there and not being deleted                             → keep (a rolling update, a pod deletion, a node
//                                                                   shutdown: a new pod comes, or the node goes)
//   any error, or the DaemonSet was never seen since start        → keep: never break a node's networking on a guess
// "Never seen" guards the 404: a DaemonSet renamed without BRAID_DAEMONSET_NAME (kustomize namePrefix) would
// answer 404 to every pod on every restart. Only a 404 after a 200 at start means the DaemonSet went away.
import type { Logger } from 'pino';
import { ApiClient } from './api.js';
import { classifyApiError, type ApiError } from './errors.js';
import { loadKubeConfig } from './kubeconfig.js';
import { Backoff, withRetry } from './retry.js';

export interface DaemonSetRef {
  namespace: string;
  name: string;
}

export type DaemonSetState =
  | { state: 'present'; uid?: string }
  | { state: 'deleting'; uid?: string; deletionTimestamp: string }
  | { state: 'gone' };

export interface ShutdownDecision {
  action: 'uninstall' | 'keep';
  reason: string;
  uid?: string;
  deletionTimestamp?: string;
  error?: string;
}

/** The shutdown check's bound, retries included; the pod's terminationGracePeriodSeconds must leave room for it. */
export const SHUTDOWN_CHECK_DEADLINE_MS = 10_000;

export const daemonSetPath = (ref: DaemonSetRef): string =>
  `/apis/apps/v1/namespaces/${encodeURIComponent(ref.namespace)}/daemonsets/${encodeURIComponent(ref.name)}`;

interface DaemonSetMeta {
  metadata?: { uid?: string; deletionTimestamp?: string };
}

/** One GET of the DaemonSet; 404 is an answer (gone), any other failure is thrown as an ApiError. */
export async function daemonSetState(api: ApiClient, ref: DaemonSetRef, timeoutMs: number): Promise<DaemonSetState> {
  let ds: DaemonSetMeta | undefined;
  try {
    ds = await api.request<DaemonSetMeta>('GET', daemonSetPath(ref), { timeoutMs });
  } catch (err) {
    const e = classifyApiError(err);
    if (e.kind === 'notFound') return { state: 'gone' };
    throw e;
  }
  const uid = ds?.metadata?.uid;
  const deletionTimestamp = ds?.metadata?.deletionTimestamp;
  if (deletionTimestamp) return { state: 'deleting', deletionTimestamp, ...(uid ? { uid } : {}) };
  return { state: 'present', ...(uid ? { uid } : {}) };
}

/** What the state means for the node; pure. `seen`: the DaemonSet answered 200 at least once since start. */
export function decideOnShutdown(seen: boolean, state: DaemonSetState | ApiError): ShutdownDecision {
  if (!('state' in state))
    return { action: 'keep', reason: 'the API server did not answer; keeping the node as it is', error: state.message };
  if (!seen)
    return {
      action: 'keep',
      reason: 'the DaemonSet was never found since this pod started (a wrong name or namespace, or no access)',
    };
  switch (state.state) {
    case 'gone':
      return { action: 'uninstall', reason: 'the DaemonSet is gone' };
    case 'deleting':
      return {
        action: 'uninstall',
        reason: 'the DaemonSet is being deleted',
        deletionTimestamp: state.deletionTimestamp,
        ...(state.uid ? { uid: state.uid } : {}),
      };
    case 'present':
      return {
        action: 'keep',
        reason: 'the DaemonSet is there and not being deleted (a rolling update, a pod deletion or a node shutdown)',
        ...(state.uid ? { uid: state.uid } : {}),
      };
  }
}

export interface UninstallCheckOptions {
  api: ApiClient;
  ref: DaemonSetRef;
  log: Logger;
  /** Bounds the shutdown check, retries included; well inside the pod's terminationGracePeriodSeconds. */
  deadlineMs?: number;
  /** The first and the longest wait between tries to see the DaemonSet at start. */
  startBaseMs?: number;
  startMaxMs?: number;
}

/** The DaemonSet seen at start, then asked about once at SIGTERM. */
export class UninstallCheck {
  private seen?: { uid?: string };

  constructor(private readonly o: UninstallCheckOptions) {}

  private get where(): string {
    return `${this.o.ref.namespace}/${this.o.ref.name}`;
  }

  /**
   * Until the DaemonSet answers 200 once (then the shutdown check is armed), or 404 (a wrong name: it stays off),
   * or `signal` aborts. Other failures are retried with a jittered backoff up to startMaxMs.
   */
  async arm(signal: AbortSignal): Promise<void> {
    const backoff = new Backoff(this.o.startBaseMs ?? 1000, this.o.startMaxMs ?? 300_000);
    while (!signal.aborted) {
      try {
        const s = await daemonSetState(this.o.api, this.o.ref, 10_000);
        if (s.state === 'gone') {
          this.o.log.error(
            { daemonSet: this.where },
            'DaemonSet not found: removing braid from this node when it stops is off (check BRAID_DAEMONSET_NAME and BRAID_DAEMONSET_NAMESPACE)',
          );
          return;
        }
        this.seen = s.uid ? { uid: s.uid } : {};
        this.o.log.info({ daemonSet: this.where, uid: this.seen.uid }, 'DaemonSet found: uninstall check armed');
        return;
      } catch (err) {
        const wait = backoff.next();
        this.o.log.warn(
          { daemonSet: this.where, err: classifyApiError(err).message, retryInMs: wait },
          'cannot read the DaemonSet yet',
        );
        await abortableSleep(wait, signal);
      }
    }
  }

  /** Asks once (retrying transient failures until the deadline) and logs the decision as one line. */
  async decide(): Promise<ShutdownDecision> {
    let state: DaemonSetState | ApiError;
    try {
      state = await withRetry((timeoutMs) => daemonSetState(this.o.api, this.o.ref, timeoutMs), {
        deadlineMs: this.o.deadlineMs ?? SHUTDOWN_CHECK_DEADLINE_MS,
        baseDelayMs: 200,
        maxDelayMs: 2000,
      });
    } catch (err) {
      state = classifyApiError(err);
    }
    const decision = decideOnShutdown(this.seen !== undefined, state);
    const { action, ...why } = decision;
    this.o.log.info(
      { daemonSet: this.where, decision: action, ...why },
      action === 'uninstall'
        ? 'shutdown: braid is being uninstalled; removing its config and executable from the node'
        : 'shutdown: keeping braid on the node',
    );
    return decision;
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The check with its own API client: the in-cluster service account, or a kubeconfig file. */
export function uninstallCheckFor(o: { kubeconfig?: string; ref: DaemonSetRef; log: Logger }): UninstallCheck {
  return new UninstallCheck({ api: new ApiClient(() => loadKubeConfig(o.kubeconfig)), ref: o.ref, log: o.log });
}
