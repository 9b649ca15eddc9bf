// A cluster for the operator commands' tests (kubectl braid, braid validate, live braid explain): the API-server
// stand-in with pods that carry network-status annotations and NADs good and bad, and kubeconfigs kubectl-style.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startApiServer, type ApiServer } from './apiserver/client.js';
import { REPO } from './netns.js';

/** kubectl-braid under test: the compiled one beside a compiled braid when there is one, else the Node launcher. */
export const KUBECTL_BRAID = (() => {
  const compiled = resolve(REPO, 'dist/kubectl-braid');
  return process.env.BRAID_EXECUTABLE && existsSync(compiled) ? compiled : resolve(REPO, 'bin/kubectl-braid');
})();

const nad = (namespace: string, name: string, config: unknown) => ({
  apiVersion: 'k8s.cni.cncf.io/v1',
  kind: 'NetworkAttachmentDefinition',
  metadata: { name, namespace },
  spec: { config: typeof config === 'string' ? config : JSON.stringify(config) },
});

const pod = (namespace: string, name: string, annotations: Record<string, unknown>) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name,
    namespace,
    uid: `uid-${namespace}-${name}`,
    annotations: Object.fromEntries(
      Object.entries(annotations).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    ),
  },
  spec: { nodeName: 'node-1', containers: [{ name: 'app', image: 'example/app' }] },
});

export const NETWORKS = 'k8s.v1.cni.cncf.io/networks';
export const STATUS = 'k8s.v1.cni.cncf.io/network-status';

export const UPF_STATUS = [
  { name: 'cbr0', interface: 'eth0', ips: ['10.244.1.7'], mac: '0a:58:0a:f4:01:07', default: true },
  { name: 'telco/data', interface: 'data0', ips: ['10.1.1.5', 'fd00::5'], mac: '52:54:00:aa:bb:01' },
  { name: 'telco/signal', interface: 'net2', ips: ['10.2.0.9'], mac: '52:54:00:aa:bb:02' },
];

export const GOOD_NADS = [
  nad('telco', 'data', {
    cniVersion: '1.0.0',
    type: 'macvlan',
    master: 'eth1',
    capabilities: { ips: true },
    ipam: { type: 'static' },
  }),
  nad('telco', 'signal', {
    cniVersion: '1.1.0',
    name: 'signal',
    plugins: [{ type: 'bridge', bridge: 'br-sig' }, { type: 'tuning' }],
  }),
  nad('other', 'shared', { cniVersion: '1.0.0', type: 'ipvlan', master: 'eth2' }),
];

/** Each bad NAD, and the field its problem is reported at. */
export const BAD_NADS: Array<[ReturnType<typeof nad>, string]> = [
  [nad('telco', 'bad-json', '{"cniVersion":"1.0.0","type":'), 'spec.config'],
  [
    nad('telco', 'bad-type', {
      cniVersion: '1.0.0',
      name: 'bad-type',
      plugins: [{ type: 'bridge' }, { type: '../x' }],
    }),
    'spec.config.plugins[1].type',
  ],
  [nad('telco', 'bad-name', { cniVersion: '1.0.0', name: 'bad name', type: 'macvlan' }), 'spec.config.name'],
  [nad('telco', 'bad-version', { cniVersion: 1, type: 'macvlan' }), 'spec.config.cniVersion'],
];

export const PODS = [
  pod('telco', 'upf-0', { [NETWORKS]: 'data@data0, signal', [STATUS]: UPF_STATUS }),
  pod('telco', 'upf-1', { [NETWORKS]: '[{"name":"dta"}]' }),
  pod('telco', 'cfg-0', { [NETWORKS]: '[{"name":"data","interfce":"x0"}]' }),
  pod('other', 'web', {
    [STATUS]: [{ name: 'cbr0', interface: 'eth0', ips: ['10.244.2.3'], mac: '0a:58:0a:f4:02:03', default: true }],
  }),
  pod('other', 'plain', {}),
];

const ESC = '\u001b';

/**
 * A pod that wrote its own network-status to spoof an admin's terminal (clear the screen, move up over a row, a C1 CSI,
 * DEL, a carriage return), asking for a NAD whose config does the same. Not seeded by default: a test adds them.
 */
export const SPOOF_STATUS = [
  {
    name: `cbr0${ESC}[2J${ESC}[H`,
    interface: `eth0${ESC}[1A${ESC}[2K`,
    ips: [`10.244.9.9\r10.0.0.1`],
    mac: `\u009b8m0a:58:0a:f4:09:09\u007f`,
    default: true,
  },
];
export const SPOOF_OBJECTS = [
  nad('untrusted', 'spoof-net', { cniVersion: '1.0.0', type: `macvlan${ESC}]0;pwned\u0007`, master: 'eth1' }),
  pod('untrusted', 'spoof-0', {
    [NETWORKS]: [{ name: 'spoof-net', [`interfce${ESC}[2J`]: 'x' }],
    [STATUS]: SPOOF_STATUS,
  }),
];

export interface OperatorCluster {
  api: ApiServer;
  /** A kubeconfig whose context's namespace is `namespace`, and another context "other-ctx" on namespace other. */
  kubeconfig(namespace: string, dir: string): string;
  stop(): Promise<void>;
}

export async function startOperatorCluster(opts: { withBad?: boolean } = {}): Promise<OperatorCluster> {
  const api = await startApiServer();
  await api.control.seed([...GOOD_NADS, ...(opts.withBad === false ? [] : BAD_NADS.map(([n]) => n)), ...PODS]);
  return {
    api,
    kubeconfig(namespace, dir) {
      const kc = JSON.parse(readFileSync(api.kubeconfigPath, 'utf8'));
      kc.contexts = [
        { name: 'standin', context: { cluster: 'standin', user: 'standin', namespace } },
        { name: 'other-ctx', context: { cluster: 'standin', user: 'standin', namespace: 'other' } },
      ];
      const path = join(dir, `kubeconfig-${namespace}`);
      writeFileSync(path, JSON.stringify(kc), { mode: 0o600 });
      return path;
    },
    stop: () => api.stop(),
  };
}
