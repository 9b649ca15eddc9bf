// The resources the stand-in serves, and the discovery documents derived from them.
// Discovery is what kubectl needs to map `kubectl get pods` / `net-attach-def` onto these paths.

export interface ResourceType {
  /** URL plural, as in the path: `pods`, `network-attachment-definitions`. */
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  group: string;
  version: string;
  shortNames: string[];
  subresources: string[];
  /**
   * Whether a DELETE that removes the object answers with it (pods, custom resources) or with a Status (events,
   * daemonsets). A DELETE that only marks the object for deletion (finalizers pending) always answers with it.
   */
  deleteReturnsObject: boolean;
}

export const NAD_GROUP = 'k8s.cni.cncf.io';
export const APPS_GROUP = 'apps';

const verbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

export const resourceTypes: readonly ResourceType[] = [
  {
    plural: 'pods',
    singular: 'pod',
    kind: 'Pod',
    listKind: 'PodList',
    group: '',
    version: 'v1',
    shortNames: ['po'],
    subresources: ['status'],
    deleteReturnsObject: true,
  },
  {
    plural: 'events',
    singular: 'event',
    kind: 'Event',
    listKind: 'EventList',
    group: '',
    version: 'v1',
    shortNames: ['ev'],
    subresources: [],
    deleteReturnsObject: false,
  },
  {
    plural: 'network-attachment-definitions',
    singular: 'network-attachment-definition',
    kind: 'NetworkAttachmentDefinition',
    listKind: 'NetworkAttachmentDefinitionList',
    group: NAD_GROUP,
    version: 'v1',
    shortNames: ['net-attach-def'],
    subresources: [],
    deleteReturnsObject: true,
  },
  // braid's own DaemonSet: its pods ask whether it is being deleted when they stop (docs/adr/0018).
  {
    plural: 'daemonsets',
    singular: 'daemonset',
    kind: 'DaemonSet',
    listKind: 'DaemonSetList',
    group: APPS_GROUP,
    version: 'v1',
    shortNames: ['ds'],
    subresources: ['status'],
    deleteReturnsObject: false,
  },
];

export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

export function findResourceType(group: string, version: string, plural: string): ResourceType | undefined {
  return resourceTypes.find((t) => t.group === group && t.version === version && t.plural === plural);
}

/** The resource type of a manifest (`apiVersion` + `kind`), for seeding through the control API. */
export function resourceTypeOfObject(obj: { apiVersion?: unknown; kind?: unknown }): ResourceType | undefined {
  return resourceTypes.find((t) => apiVersionOf(t) === obj.apiVersion && t.kind === obj.kind);
}

function resourceList(group: string, version: string): object {
  const resources = resourceTypes
    .filter((t) => t.group === group && t.version === version)
    .flatMap((t) => [
      { name: t.plural, singularName: t.singular, namespaced: true, kind: t.kind, verbs, shortNames: t.shortNames },
      ...t.subresources.map((sub) => ({
        name: `${t.plural}/${sub}`,
        singularName: '',
        namespaced: true,
        kind: t.kind,
        verbs: ['get', 'patch', 'update'],
      })),
    ]);
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources,
  };
}

function apiGroup(group: string): object {
  const groupVersion = { groupVersion: `${group}/v1`, version: 'v1' };
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions: [groupVersion], preferredVersion: groupVersion };
}

/** The discovery document for a path, or undefined when the path is not a discovery path. */
export function discoveryDocument(path: string, serverAddress: string): object | undefined {
  const groups = [...new Set(resourceTypes.map((t) => t.group).filter((g) => g !== ''))];
  if (path === '/version') {
    return {
      major: '1',
      minor: '31',
      gitVersion: 'v1.31.0-braid-standin',
      gitCommit: '',
      gitTreeState: 'clean',
      buildDate: '1970-01-01T00:00:00Z',
      goVersion: 'n/a',
      compiler: 'n/a',
      platform: `${process.platform}/${process.arch}`,
    };
  }
  if (path === '/api') {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    };
  }
  if (path === '/api/v1') return resourceList('', 'v1');
  if (path === '/apis') return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map(apiGroup) };
  for (const group of groups) {
    if (path === `/apis/${group}`) return apiGroup(group);
    if (path === `/apis/${group}/v1`) return resourceList(group, 'v1');
  }
  return undefined;
}
