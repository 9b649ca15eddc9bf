// readinessIndicatorFile: ADD waits (bounded) for the default network to say it is ready; DEL never waits.
import { existsSync } from 'node:fs';
import { CniError, ErrorCode } from '../cni/errors.js';

export async function waitForReadiness(
  file: string | undefined,
  timeoutSeconds: number,
  clock: { sleep: (ms: number) => Promise<void>; now: () => number },
): Promise<void> {
  if (!file) return;
  const deadline = clock.now() + timeoutSeconds * 1000;
  while (!existsSync(file)) {
    if (clock.now() >= deadline) {
      throw new CniError(
        ErrorCode.TryAgainLater,
        `the default network is not ready: ${file} did not appear within ${timeoutSeconds}s`,
        'check that the primary CNI plugin (the default network) is installed and running on this node',
      );
    }
    await clock.sleep(250);
  }
}
