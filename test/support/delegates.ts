// Delegate configurations for the real plugins in /usr/lib/cni (Debian containernetworking-plugins 1.1.1).
// Every state directory (host-local dataDir, tuning dataDir) points into the case's temp dir.
import { join } from 'node:path';
import { MACVLAN_MASTER } from './netns.js';

export const BRIDGE = 'brt0';

export const hostLocal = (dir: string, subnet: string, extra: Record<string, unknown> = {}) => ({
  type: 'host-local',
  dataDir: join(dir, 'ipam'),
  ranges: [[{ subnet, ...extra }]],
});

export const bridge = (v: string, dir: string, name = 'br-net') => ({
  cniVersion: v,
  name,
  type: 'bridge',
  bridge: BRIDGE,
  isGateway: true,
  ipMasq: false,
  ipam: { ...hostLocal(dir, '10.88.10.0/24'), routes: [{ dst: '0.0.0.0/0' }] },
});

export const macvlan = (v: string, dir: string) => ({
  cniVersion: v,
  name: 'mv-net',
  type: 'macvlan',
  master: MACVLAN_MASTER,
  mode: 'bridge',
  ipam: hostLocal(dir, '192.168.77.0/24', {
    rangeStart: '192.168.77.100',
    rangeEnd: '192.168.77.200',
    gateway: '192.168.77.1',
  }),
});

export const ptp = (v: string, dir: string, name = 'ptp-net', subnet = '10.99.0.0/24') => ({
  cniVersion: v,
  name,
  type: 'ptp',
  ipMasq: false,
  mtu: 1400,
  ipam: { ...hostLocal(dir, subnet), routes: [{ dst: '0.0.0.0/0' }] },
});

export const macvlanStatic = (v: string) => ({
  cniVersion: v,
  name: 'mv-static',
  type: 'macvlan',
  master: MACVLAN_MASTER,
  mode: 'bridge',
  ipam: {
    type: 'static',
    addresses: [{ address: '192.168.77.50/24', gateway: '192.168.77.1' }],
    routes: [{ dst: '10.200.0.0/16', gw: '192.168.77.1' }],
    dns: { nameservers: ['192.168.77.1'] },
  },
});

export const TUNED_SYSCTL = 'net.ipv4.conf.eth0.arp_filter';

/** A conflist: its plugins carry neither name nor cniVersion (libcni injects the list's). */
export const bridgeTuning = (v: string, dir: string) => {
  const br: Record<string, unknown> = bridge(v, dir, 'tuned-net');
  delete br.name;
  delete br.cniVersion;
  return {
    cniVersion: v,
    name: 'tuned-net',
    plugins: [br, { type: 'tuning', dataDir: join(dir, 'tuning'), sysctl: { [TUNED_SYSCTL]: '1' } }],
  };
};

/** The second delegate of every e2e case: it must come up as net1. */
export const side = (v: string, dir: string) => ptp(v, dir, 'side-net', '10.98.0.0/24');

/** A NetworkAttachmentDefinition as the API server (the stand-in) holds it. */
export const nadObject = (name: string, config: object, namespace = 'default') => ({
  apiVersion: 'k8s.cni.cncf.io/v1',
  kind: 'NetworkAttachmentDefinition',
  metadata: { name, namespace },
  spec: { config: JSON.stringify(config) },
});

/** A macvlan NAD on the test node's veth master mvm0, its host-local leases under `dir`. */
export const macvlanNadObject = (dir: string, name: string, subnet: string, namespace = 'default') =>
  nadObject(
    name,
    { cniVersion: '1.0.0', type: 'macvlan', master: 'mvm0', mode: 'bridge', ipam: hostLocal(dir, subnet) },
    namespace,
  );
