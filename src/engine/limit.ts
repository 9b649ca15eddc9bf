// At most `limit` of a pod's attachments in flight at once (issue 12: one annotation must not start hundreds of
// delegate processes). Results come back in input order, settled like Promise.allSettled.
import type { NodeConfig } from '../core/node-config.js';

/** How many of a pod's secondary attachments ADD and DEL run at once (DEL's default network beside them): 1 without
 * `parallelAttach`. */
export const attachLimit = (c: Pick<NodeConfig, 'parallelAttach' | 'maxParallelAttachments'>): number =>
  c.parallelAttach ? c.maxParallelAttachments : 1;
export async function settleLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<Array<PromiseSettledResult<R>>> {
  const out = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        out[i] = { status: 'fulfilled', value: await fn(items[i]!) };
      } catch (reason) {
        out[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}
