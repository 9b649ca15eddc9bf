// The rules a hot-plug (issue 13) is held to: the stricter of the daemon's own node keys and the policy the pod's ADD
// saved with its plan (engine/ports.ts POLICY_KEYS), so that neither a runtime conflist looser than the daemon nor a
// plan file edited on the node widens what a pod may attach (docs/adr/0020-dynamic-networks.md).
import type { NodeConfig } from '../core/node-config.js';
import { POLICY_KEYS, type PodPolicy } from '../engine/ports.js';

const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;
const isNames = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

const CHECKS: Record<(typeof POLICY_KEYS)[number], (v: unknown) => boolean> = {
  namespaceIsolation: isBool,
  globalNamespaces: isNames,
  defaultNetworkNamespace: (v) => typeof v === 'string',
  systemNamespaces: isNames,
  maxNetworksPerPod: isCount,
  parallelAttach: isBool,
  maxParallelAttachments: isCount,
};

/** The POLICY_KEYS of a saved plan's `policy` that have the right type; nothing else of it. */
export function savedPolicy(raw: unknown): Partial<PodPolicy> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
  const out: Record<string, unknown> = {};
  for (const k of POLICY_KEYS) {
    const v = (raw as Record<string, unknown>)[k];
    if (v !== undefined && CHECKS[k](v)) out[k] = v;
  }
  return out as Partial<PodPolicy>;
}

/** Namespaces a pod may use besides its own: the intersection when both isolate, else the isolating side's. */
function globals(node: NodeConfig, saved: Partial<PodPolicy>): string[] {
  const planIsolates = saved.namespaceIsolation === true;
  const planGlobals = saved.globalNamespaces ?? [];
  if (node.namespaceIsolation && planIsolates) return node.globalNamespaces.filter((n) => planGlobals.includes(n));
  return planIsolates ? planGlobals : node.globalNamespaces;
}

/**
 * The node configuration a hot-plug of a pod runs under: the daemon's, made stricter by the plan's saved policy —
 * isolation when either has it, the smaller maxNetworksPerPod and maxParallelAttachments, parallel attachment only
 * when both allow it. A plan saved without `policy` (before it was kept) is hot-plugged under the daemon's own.
 */
export function hotplugConfig(node: NodeConfig, rawPolicy: unknown): NodeConfig {
  if (rawPolicy === undefined) return node;
  const saved = savedPolicy(rawPolicy);
  return {
    ...node,
    namespaceIsolation: node.namespaceIsolation || saved.namespaceIsolation === true,
    globalNamespaces: globals(node, saved),
    maxNetworksPerPod: Math.min(node.maxNetworksPerPod, saved.maxNetworksPerPod ?? Infinity),
    maxParallelAttachments: Math.min(node.maxParallelAttachments, saved.maxParallelAttachments ?? Infinity),
    parallelAttach: node.parallelAttach && saved.parallelAttach !== false,
  };
}
