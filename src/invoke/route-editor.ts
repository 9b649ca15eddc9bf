// The default-route editor the engine's `default-route` handling uses: `ip route` inside the pod's netns.
import { execa } from 'execa';
import { CniError, ErrorCode } from '../cni/errors.js';
import type { RouteEditor } from '../engine/ports.js';

/** `hostRoot`: the host's root as this process sees it; the runtime's netns paths are host paths. */
export const ipRouteEditor = (hostRoot = ''): RouteEditor => ({
  async setDefaultRoute(netns, family, gw, ifname) {
    const ip = (...args: string[]) =>
      execa('nsenter', [`--net=${hostRoot}${netns}`, 'ip', `-${family}`, 'route', ...args], { reject: false });
    for (let i = 0; i < 16; i++) {
      const out = await ip('del', 'default');
      if (out.exitCode !== 0) break;
    }
    const add = await ip('replace', 'default', 'via', gw, 'dev', ifname);
    if (add.exitCode !== 0)
      throw new CniError(
        ErrorCode.Internal,
        `cannot set the default route via ${gw} on ${ifname}: ${add.stderr.trim()}`,
      );
  },
});
