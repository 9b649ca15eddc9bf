// The control API's view of the server as a process: its settings, its state, and restarts.
//
// A restart ends every watch (cleanly, as a shutdown does, or abruptly, dropping every connection), optionally
// compacts the history, optionally refuses connections for downMs, and optionally starts the RBAC warm-up window:
// for rbacWarmup ms (true: the configured window, 200 ms by default) after it serves again, every authenticated
// request is answered 403, as a real API server does while its authorizer's caches fill.
import type { Context, Settings } from './context.js';
import { sleep } from './http.js';

export interface RestartOptions {
  compact?: boolean;
  abrupt?: boolean;
  downMs?: number;
  rbacWarmup?: boolean | number;
}

export function settings(ctx: Context): Settings {
  return {
    goneAs: ctx.watches.goneAs,
    historyLimit: ctx.store.historyLimit,
    rbacWarmupMs: ctx.authz.warmupMs,
    bookmarkIntervalMs: ctx.watches.bookmarkIntervalMs,
    minRequestTimeoutMs: ctx.watches.minRequestTimeoutMs,
  };
}

export function state(ctx: Context): unknown {
  return {
    ...ctx.store.stats(),
    ...settings(ctx),
    watches: ctx.watches.size,
    connections: ctx.connections(),
    rbacWarming: ctx.authz.warming,
    faults: ctx.faults.snapshot(),
  };
}

export function configure(ctx: Context, body: unknown): unknown {
  const s = (body ?? {}) as Partial<Settings> & { tokens?: string[] };
  if (s.goneAs !== undefined) ctx.watches.goneAs = s.goneAs;
  if (s.historyLimit !== undefined) ctx.store.historyLimit = s.historyLimit;
  if (s.tokens !== undefined) ctx.tokens.staticTokens = new Set(s.tokens);
  if (s.rbacWarmupMs !== undefined) ctx.authz.warmupMs = s.rbacWarmupMs;
  if (s.bookmarkIntervalMs !== undefined) ctx.watches.bookmarkIntervalMs = s.bookmarkIntervalMs;
  if (s.minRequestTimeoutMs !== undefined) ctx.watches.minRequestTimeoutMs = s.minRequestTimeoutMs;
  return state(ctx);
}

/** Answers once the server serves again (after downMs), with the warm-up window started. */
export async function restart(ctx: Context, body: unknown): Promise<unknown> {
  const { compact, abrupt, downMs, rbacWarmup } = (body ?? {}) as RestartOptions;
  if (compact) ctx.store.compact();
  const watches = ctx.watches.size;
  if (abrupt) ctx.dropConnections();
  else ctx.watches.closeAll();
  if (downMs) {
    await ctx.setOutage('refuse');
    await sleep(downMs);
    if (rbacWarmup) ctx.authz.warmUp(rbacWarmup === true ? undefined : rbacWarmup);
    await ctx.setOutage(ctx.faults.outage); // serving again, unless an outage fault is on
  } else if (rbacWarmup) {
    ctx.authz.warmUp(rbacWarmup === true ? undefined : rbacWarmup);
  }
  return { closedWatches: watches, resourceVersion: String(ctx.store.resourceVersion) };
}
