// The node configs Multus writes, as its thin entrypoint and its thick daemon generate them (flannel as the primary):
// one copy for every test that reads them.
export const FLANNEL = {
  cniVersion: '0.3.1',
  name: 'cbr0',
  plugins: [
    { delegate: { hairpinMode: true, isDefaultGateway: true }, type: 'flannel' },
    { capabilities: { portMappings: true }, type: 'portmap' },
  ],
};

/** Thin: the primary inline in "delegates", no clusterNetwork. */
export const MULTUS_THIN = {
  cniVersion: '0.3.1',
  name: 'multus-cni-network',
  type: 'multus',
  capabilities: { portMappings: true },
  cniConf: '/host/etc/cni/multus/net.d',
  kubeconfig: '/etc/cni/net.d/multus.d/multus.kubeconfig',
  delegates: [FLANNEL],
};

/** Thick: clusterNetwork is the primary's path as the daemon container sees it. */
export const multusThick = (primary = '10-flannel.conflist') => ({
  capabilities: { portMappings: true },
  cniVersion: '0.3.1',
  logLevel: 'verbose',
  logToStderr: true,
  name: 'multus-cni-network',
  clusterNetwork: `/host/etc/cni/net.d/${primary}`,
  type: 'multus-shim',
});
