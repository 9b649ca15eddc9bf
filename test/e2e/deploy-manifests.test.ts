// What `kubectl apply -k deploy/` would send, checked without a cluster: `kubectl kustomize` renders deploy/ and
// deploy/uninstall/, every object is validated against the Kubernetes API schemas (kubernetes-models 4, API 1.33:
// types, enums, required fields; the field lists of @kubernetes/client-node's generated models, API 1.34: no
// unknown field, as the API server's strict field validation), then the properties braid's deployment depends on are checked:
// labels, resources, RBAC against the requests the code makes, the host's / for the delegates, one metrics
// port everywhere, image paths that the Dockerfile provides, the uninstall check on shutdown (docs/adr/0018) and
// the fallback uninstall DaemonSet.
// kubectl is part of this machine image; where it is missing the test says so and is skipped.
// BRAID_EXTRA_KUBECTL=/path/to/kubectl[:...] renders with other kubectl builds too (e.g. Debian's 1.20) and
// expects the same objects.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, parseAllDocuments, stringify as stringifyYaml } from 'yaml';
import { DAEMONSET_ENV } from '../../src/cli/install.js';
import { parseNodeConfig } from '../../src/core/node-config.js';
import { parseDaemonConfig } from '../../src/daemon/config.js';
import { SHUTDOWN_CHECK_DEADLINE_MS } from '../../src/k8s/uninstall.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

type Obj = Record<string, unknown>;
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}
interface VolumeMount {
  name: string;
  mountPath: string;
  mountPropagation?: string;
  readOnly?: boolean;
}
interface Probe {
  httpGet?: { path: string; port: number | string };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  terminationMessagePolicy?: string;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: unknown;
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  volumeMounts?: VolumeMount[];
}
interface Volume {
  name: string;
  hostPath?: { path: string; type?: string };
  configMap?: { name: string };
}
interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  initContainers?: Container[];
  containers: Container[];
  volumes?: Volume[];
}
interface DaemonSet extends K8sObject {
  spec: {
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
}
interface Rule {
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
  verbs: string[];
}

const kubectl = (() => {
  try {
    return execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
})();
if (!kubectl)
  console.warn(
    'kubectl is not installed: skipping the checks of the deploy/ manifests (they need `kubectl kustomize`)',
  );
const extraKubectls = (process.env.BRAID_EXTRA_KUBECTL ?? '').split(':').filter(Boolean);

const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const IMAGE = 'ghcr.io/braid-cni/braid';

/** `kubectl kustomize DIR`: the objects, or a failure that shows kubectl's stderr. */
function render(dir: string, bin = kubectl!): K8sObject[] {
  const r = spawnSync(bin, ['kustomize', dir], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${bin} kustomize ${dir} failed (exit ${r.status}): ${r.stderr}`);
  return parseAllDocuments(r.stdout)
    .map((d) => {
      if (d.errors.length) throw new Error(`${dir}: unreadable YAML from kubectl: ${d.errors[0]!.message}`);
      return d.toJS() as K8sObject;
    })
    .filter(Boolean);
}

const ofKind = <T extends K8sObject = K8sObject>(objs: K8sObject[], kind: string, name?: string): T[] =>
  objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name)) as T[];
function one<T extends K8sObject = K8sObject>(objs: K8sObject[], kind: string, name?: string): T {
  const found = ofKind<T>(objs, kind, name);
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0]!;
}
const containersOf = (ds: DaemonSet) => [
  ...(ds.spec.template.spec.initContainers ?? []),
  ...ds.spec.template.spec.containers,
];
const container = (ds: DaemonSet, name: string) => {
  const c = containersOf(ds).find((x) => x.name === name);
  if (!c) throw new Error(`${ds.metadata.name} has no container ${name}`);
  return c;
};
const volume = (ds: DaemonSet, name: string) => {
  const v = ds.spec.template.spec.volumes?.find((x) => x.name === name);
  if (!v) throw new Error(`${ds.metadata.name} has no volume ${name}`);
  return v;
};
const flag = (cmd: string[], name: string) => {
  const i = cmd.indexOf(name);
  return i >= 0 ? cmd[i + 1] : undefined;
};

// ---- the Kubernetes schemas ----

/** kubernetes-models: the generated ajv validator of the object's kind (types, enums, required fields, formats). */
async function validateWithModels(o: K8sObject): Promise<void> {
  const group = o.apiVersion.includes('/') ? o.apiVersion : 'v1';
  // No extension: kubernetes-models 4 has no exports map, and jest's resolver finds its files only this way.
  const mod = (await import(`kubernetes-models/${group}/${o.kind}`)) as Record<string, unknown>;
  const Model = (mod[o.kind] ?? (mod.default as Record<string, unknown> | undefined)?.[o.kind]) as new (
    data: unknown,
  ) => { validate(): void };
  new Model(o).validate();
}

interface Attribute {
  baseName: string;
  type: string;
}
const modelCache = new Map<string, Attribute[]>();
async function attributesOf(type: string): Promise<Attribute[]> {
  let attrs = modelCache.get(type);
  if (!attrs) {
    const mod = (await import(`@kubernetes/client-node/dist/gen/models/${type}.js`)) as Record<
      string,
      { attributeTypeMap: Attribute[] }
    >;
    const cls = mod[type];
    if (!cls) throw new Error(`@kubernetes/client-node has no model ${type}`);
    attrs = cls.attributeTypeMap;
    modelCache.set(type, attrs);
  }
  return attrs;
}
const LEAF_TYPES = new Set(['string', 'number', 'boolean', 'Date', 'any', 'object', 'IntOrString']);

/** Paths of fields the API's schema does not have (what `kubectl apply --validate=strict` rejects). */
async function unknownFields(value: unknown, type: string, path: string, out: string[] = []): Promise<string[]> {
  if (value === null || value === undefined || LEAF_TYPES.has(type)) return out;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (Array.isArray(value))
      for (const [i, v] of value.entries()) await unknownFields(v, array[1]!, `${path}[${i}]`, out);
    return out;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeof value === 'object')
      for (const [k, v] of Object.entries(value)) await unknownFields(v, map[1]!, `${path}[${k}]`, out);
    return out;
  }
  if (typeof value !== 'object' || Array.isArray(value)) return out; // a wrong type is the validator's finding
  const attrs = new Map((await attributesOf(type)).map((a) => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value as Obj)) {
    const t = attrs.get(k);
    if (t === undefined) out.push(`${path}.${k}`);
    else await unknownFields(v, t, `${path}.${k}`, out);
  }
  return out;
}
/** client-node's model name: V1DaemonSet, V1ClusterRole, V1CustomResourceDefinition, ... */
const modelName = (o: K8sObject) => `${o.apiVersion.split('/').pop()!.replace(/^v/, 'V')}${o.kind}`;

// ---- what the code asks the API server for ----

/**
 * "group/resource verb" for every request in src/: informers (`new Reflector`: list, watch), paged lists
 * (`listPages`: list) and ApiClient.request calls. A best-effort scan of the source, so that a new request fails
 * this test until deploy/rbac.yaml (and the list in the test below) says whether to grant it. Helpers that take
 * the path from their caller (`${path}`) are counted at their callers.
 */
function verbsUsedBySource(): string[] {
  const files = (readdirSync(join(REPO, 'src'), { recursive: true }) as string[]).filter(
    (f) => f.endsWith('.ts') && !f.includes('generated'),
  );
  const used = new Set<string>();
  const resourceOf = (text: string, where: string) => {
    if (/daemonsets|daemonSetPath/.test(text)) return 'apps/daemonsets';
    if (/pods|podPath/i.test(text)) return '/pods';
    if (/network-attachment-definitions|NAD_PATH/.test(text)) return 'k8s.cni.cncf.io/network-attachment-definitions';
    if (/\/events/.test(text)) return '/events';
    if (/^(`\$\{[\w.]+\}|[\w.]+\s*[,)])/.test(text.trim())) return undefined; // a path from the caller
    throw new Error(
      `${where}: cannot tell which resource "${text}" is; teach this test (and deploy/rbac.yaml) about it`,
    );
  };
  const verbOf: Record<string, string> = {
    GET: 'get',
    POST: 'create',
    PATCH: 'patch',
    PUT: 'update',
    DELETE: 'delete',
  };
  for (const f of files) {
    const src = readFileSync(join(REPO, 'src', f), 'utf8');
    for (const m of src.matchAll(/new Reflector<[^>]*>\(\{[^}]*?path:\s*([^,}]+)/g)) {
      const res = resourceOf(m[1]!, f);
      if (res) used.add(`${res} list`).add(`${res} watch`);
    }
    for (const m of src.matchAll(/(?<!function )\blistPages\([^,]+,\s*([^\n]+)/g)) {
      const res = resourceOf(m[1]!, f);
      if (res) used.add(`${res} list`);
    }
    for (const m of src.matchAll(/\.request(?:<[^>]*>)?\(\s*'([A-Z]+)',\s*([^\n]+)/g)) {
      const verb = verbOf[m[1]!];
      if (!verb) throw new Error(`${f}: unexpected method ${m[1]}`);
      const res = resourceOf(m[2]!, f);
      if (res) used.add(`${res} ${verb}`);
    }
  }
  return [...used].sort();
}

const rbacVerbs = (rules: Rule[]) =>
  rules
    .flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res} ${v}`))))
    .sort();

// ---- the image ----

/** The Dockerfile's stages (each from its base image on), and its final stage's base, apt packages and COPYs. */
function dockerfile() {
  const text = readFileSync(join(REPO, 'Dockerfile'), 'utf8')
    .replace(/^#.*\n/gm, '') // comments, which sit above the stage they describe
    .replace(/\\\n/g, ' ');
  const stages = text.split(/^FROM /m).slice(1);
  const final = stages[stages.length - 1]!;
  const copies = [...final.matchAll(/^COPY\s+(?:--from=\S+\s+)?(\S+)\s+(\S+)\s*$/gm)].map((m) => ({
    from: m[1]!,
    to: m[2]!,
  }));
  const apt =
    /apt-get install([^&\n]*)/
      .exec(final)?.[1]
      ?.split(/\s+/)
      .filter((w) => w && !w.startsWith('-')) ?? [];
  return { stages, base: final.split(/\s/)[0]!, copies, apt };
}

(kubectl ? describe : describe.skip)('the deploy/ manifests', () => {
  let objs: K8sObject[];
  let cleanupObjs: K8sObject[];
  let ds: DaemonSet;
  let cleanupDs: DaemonSet;
  let daemonJson: Obj;
  let settingsJson: Obj;
  beforeAll(() => {
    objs = render(join(REPO, 'deploy'));
    cleanupObjs = render(join(REPO, 'deploy/uninstall'));
    ds = one<DaemonSet>(objs, 'DaemonSet', 'braid');
    cleanupDs = one<DaemonSet>(cleanupObjs, 'DaemonSet');
    const cm = one(objs, 'ConfigMap', 'braid-config') as K8sObject & { data: Record<string, string> };
    daemonJson = JSON.parse(cm.data['daemon.json']!) as Obj;
    settingsJson = JSON.parse(cm.data['settings.json']!) as Obj;
  });
  const all = () => [...objs, ...cleanupObjs];
  const daemonSets = () => [ds, cleanupDs];

  it('render the CRD, namespace, RBAC, ConfigMap and DaemonSet, and the cleanup', () => {
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ClusterRole/braid',
      'ClusterRoleBinding/braid',
      'ConfigMap/braid-config',
      'CustomResourceDefinition/network-attachment-definitions.k8s.cni.cncf.io',
      'DaemonSet/braid',
      'Namespace/braid-system',
      'Role/braid',
      'RoleBinding/braid',
      'ServiceAccount/braid',
    ]);
    expect(cleanupObjs.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'DaemonSet/braid-cleanup',
      'Namespace/braid-cleanup',
    ]);
    for (const o of objs.filter((x) =>
      ['ServiceAccount', 'ConfigMap', 'DaemonSet', 'Role', 'RoleBinding'].includes(x.kind),
    ))
      expect([o.kind, o.metadata.namespace]).toEqual([o.kind, 'braid-system']);
    expect(cleanupDs.metadata.namespace).toBe('braid-cleanup');
  });

  it('every object is valid against the Kubernetes API schemas, with no unknown field', async () => {
    const problems: string[] = [];
    for (const o of all()) {
      const what = `${o.kind}/${o.metadata.name}`;
      try {
        await validateWithModels(o);
      } catch (err) {
        problems.push(`${what}: ${(err as Error).message}`);
      }
      for (const f of await unknownFields(o, modelName(o), what))
        problems.push(`${f}: not a field of ${o.apiVersion} ${o.kind}`);
    }
    expect(problems).toEqual([]);
  });

  it('the schema checks do catch mistakes', async () => {
    const broken = structuredClone(ds) as DaemonSet;
    broken.spec.template.spec.containers[0]!.terminationMessagePolicy = 'FallbackToLogs';
    await expect(validateWithModels(broken)).rejects.toThrow(/terminationMessagePolicy/);
    (broken.spec.template.spec.containers[0]!.volumeMounts![0] as unknown as Obj).mountPropogation = 'HostToContainer';
    expect(await unknownFields(broken, modelName(broken), 'ds')).toContain(
      'ds.spec.template.spec.containers[0].volumeMounts[0].mountPropogation',
    );
  });

  it('every object and pod template carries the app.kubernetes.io labels; selectors stay out of them', () => {
    const want = {
      'app.kubernetes.io/name': 'braid',
      'app.kubernetes.io/part-of': 'braid',
      'app.kubernetes.io/version': VERSION,
    };
    const labelled = [
      ...all().map((o) => ({ what: `${o.kind}/${o.metadata.name}`, labels: o.metadata.labels ?? {} })),
      ...daemonSets().map((d) => ({
        what: `${d.metadata.name} pod template`,
        labels: d.spec.template.metadata.labels,
      })),
    ];
    for (const { what, labels } of labelled) {
      expect([what, labels]).toEqual([what, expect.objectContaining(want)]);
      expect([what, labels['app.kubernetes.io/component']]).toEqual([what, expect.stringMatching(/^[a-z][a-z-]*$/)]);
    }
    // The selector is immutable: it must never carry the version (or anything an upgrade changes).
    expect(ds.spec.selector.matchLabels).toEqual({ app: 'braid' });
    expect(cleanupDs.spec.selector.matchLabels).toEqual({ app: 'braid-cleanup' });
    for (const d of daemonSets()) expect(d.spec.template.metadata.labels).toMatchObject(d.spec.selector.matchLabels);
  });

  it('every container, init containers included, has resources and terminationMessagePolicy FallbackToLogsOnError', () => {
    for (const d of daemonSets()) {
      for (const c of containersOf(d)) {
        const what = `${d.metadata.name}/${c.name}`;
        expect([what, c.terminationMessagePolicy]).toEqual([what, 'FallbackToLogsOnError']);
        expect([what, c.resources?.requests]).toEqual([what, { cpu: expect.any(String), memory: expect.any(String) }]);
        expect([what, c.resources?.limits?.memory]).toEqual([what, expect.any(String)]);
      }
    }
  });

  it("RBAC grants exactly the requests the code makes, to the daemon's service account", () => {
    const role = one(objs, 'ClusterRole', 'braid') as K8sObject & { rules: Rule[] };
    // The one namespaced grant: braid's own DaemonSet, by name, in its namespace (the uninstall check, ADR 0018).
    const nsRole = one(objs, 'Role', 'braid') as K8sObject & { rules: Rule[] };
    expect(nsRole.metadata.namespace).toBe(ds.metadata.namespace);
    expect(nsRole.rules).toEqual([
      { apiGroups: ['apps'], resources: ['daemonsets'], resourceNames: [ds.metadata.name], verbs: ['get'] },
    ]);
    expect(role.rules.filter((r) => r.resourceNames)).toEqual([]);
    const granted = rbacVerbs([...role.rules, ...nsRole.rules]);
    expect(granted).toEqual([
      '/events create',
      '/events patch',
      '/pods get',
      '/pods list',
      '/pods patch',
      '/pods watch',
      'apps/daemonsets get',
      'k8s.cni.cncf.io/network-attachment-definitions get',
      'k8s.cni.cncf.io/network-attachment-definitions list',
      'k8s.cni.cncf.io/network-attachment-definitions watch',
    ]);
    expect(granted).toEqual(verbsUsedBySource());
    const sa = one(objs, 'ServiceAccount');
    const subjects = [{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: sa.metadata.namespace }];
    const binding = one(objs, 'ClusterRoleBinding') as K8sObject & { roleRef: Obj; subjects: Obj[] };
    expect(binding.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: role.metadata.name,
    });
    expect(binding.subjects).toEqual(subjects);
    const nsBinding = one(objs, 'RoleBinding') as K8sObject & { roleRef: Obj; subjects: Obj[] };
    expect(nsBinding.metadata.namespace).toBe(nsRole.metadata.namespace);
    expect(nsBinding.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: nsRole.metadata.name,
    });
    expect(nsBinding.subjects).toEqual(subjects);
    expect(ds.spec.template.spec.serviceAccountName).toBe(sa.metadata.name);
    expect(ds.spec.template.spec.automountServiceAccountToken).not.toBe(false);
  });

  it('the CRD is the standard NetworkAttachmentDefinition, with the short names nad and net-attach-def', () => {
    const crd = one(objs, 'CustomResourceDefinition') as K8sObject & {
      spec: { group: string; scope: string; names: Obj; versions: Obj[] };
    };
    expect(crd.spec.group).toBe('k8s.cni.cncf.io');
    expect(crd.spec.scope).toBe('Namespaced');
    expect(crd.spec.names).toEqual({
      plural: 'network-attachment-definitions',
      singular: 'network-attachment-definition',
      kind: 'NetworkAttachmentDefinition',
      shortNames: ['nad', 'net-attach-def'],
    });
    expect(crd.spec.versions.map((v) => [v.name, v.served, v.storage])).toEqual([['v1', true, true]]);
  });

  it("the ConfigMap's files are valid braid configurations that agree with each other and with the mounts", () => {
    const cfg = parseDaemonConfig(daemonJson as never, { NODE_NAME: 'node-1' });
    parseNodeConfig({ type: 'braid', ...settingsJson } as never);
    expect(settingsJson.daemonSocket).toBe(cfg.socketPath);
    expect(settingsJson.cacheDir).toBe(daemonJson.cacheDir);
    const daemon = container(ds, 'daemon');
    const mountOf = (path: string) =>
      daemon.volumeMounts!.find((m) => path === m.mountPath || path.startsWith(`${m.mountPath}/`));
    expect(mountOf(cfg.socketPath)?.name).toBe('run-braid');
    expect(mountOf(daemonJson.cacheDir as string)?.name).toBe('cache');
    expect(volume(ds, 'cache').hostPath?.path).toBe(daemonJson.cacheDir);
    expect(volume(ds, 'run-braid').hostPath?.path).toBe(posix.dirname(cfg.socketPath));
    // The daemon drains for drainSeconds on SIGTERM; the kubelet must wait longer than that.
    expect(ds.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(cfg.drainSeconds + 10);
  });

  it("the daemon sees the host's / at hostRoot, read-write, with mounts propagated from the host", () => {
    expect(daemonJson.hostRoot).toBe('/hostroot');
    expect(volume(ds, 'hostroot').hostPath).toEqual({ path: '/', type: 'Directory' });
    const mount = container(ds, 'daemon').volumeMounts!.find((m) => m.name === 'hostroot');
    expect(mount).toEqual({ name: 'hostroot', mountPath: daemonJson.hostRoot, mountPropagation: 'HostToContainer' });
    // Only the daemon runs delegates.
    expect(
      containersOf(ds)
        .filter((c) => c.volumeMounts?.some((m) => m.name === 'hostroot'))
        .map((c) => c.name),
    ).toEqual(['daemon']);
  });

  it('one metrics port, clear of common node agents, in daemon.json, the container port, the probes and docs/install.md', () => {
    const [host, port] = (daemonJson.metricsAddress as string).split(/:(?=\d+$)/);
    expect(host).toBe('0.0.0.0'); // probes come from the kubelet over the node's address (hostNetwork)
    expect(Number(port)).toBe(10366);
    const taken = [9091, 9100, 9962, 9963, 9964, ...Array.from({ length: 9 }, (_, i) => 10248 + i)];
    expect(taken).not.toContain(Number(port));
    const daemon = container(ds, 'daemon');
    expect(daemon.ports).toEqual([{ name: 'metrics', containerPort: Number(port), protocol: 'TCP' }]);
    const portOf = (p: number | string | undefined) =>
      typeof p === 'string' ? daemon.ports!.find((x) => x.name === p)?.containerPort : p;
    expect(daemon.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(daemon.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(portOf(daemon.readinessProbe?.httpGet?.port)).toBe(Number(port));
    expect(portOf(daemon.livenessProbe?.httpGet?.port)).toBe(Number(port));
    expect(readFileSync(join(REPO, 'docs/install.md'), 'utf8')).toContain(String(port));
  });

  it('every path a command names is in the image (Dockerfile COPY) or mounted into that container', () => {
    const df = dockerfile();
    const dests = df.copies.map((c) => c.to);
    const baseTools = ['node', 'rm', 'sleep'];
    for (const d of daemonSets()) {
      for (const c of containersOf(d)) {
        const cmd = [...(c.command ?? []), ...(c.args ?? [])];
        const what = `${d.metadata.name}/${c.name}`;
        expect([what, dests.includes(cmd[0]!) || baseTools.includes(cmd[0]!)]).toEqual([what, true]);
        const mounts = (c.volumeMounts ?? []).map((m) => m.mountPath);
        for (const p of cmd.filter((a) => a.startsWith('/'))) {
          const ok = dests.includes(p) || mounts.some((m) => p === m || p.startsWith(`${m}/`));
          expect([what, p, ok]).toEqual([what, p, true]);
        }
      }
    }
    // Every artifact the image carries is used, and each is what `npm run build` writes.
    const used = new Set(daemonSets().flatMap((d) => containersOf(d).flatMap((c) => c.command ?? [])));
    expect(dests.filter((p) => !used.has(p))).toEqual([]);
    const scripts = (
      JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    for (const { from } of df.copies) {
      const rel = relative('/src', from);
      expect([
        from,
        Object.values(scripts).some((s) => s.includes(`--outfile ${rel}`) || s.includes(`--outfile=${rel}`)),
      ]).toEqual([from, true]);
    }
    expect(dests.sort()).toEqual(['/opt/braid/braid-daemon.mjs', '/usr/local/bin/braid']);
  });

  it('the image is built in stages, install then build, and runs on a maintained Node LTS with ip and iptables', () => {
    const df = dockerfile();
    expect(df.stages).toHaveLength(3);
    const [deps, build, runtime] = df.stages as [string, string, string];
    // install: the dependencies only, from the lockfile
    expect(deps).toMatch(/^node:22-bookworm-slim AS deps\n/);
    expect(deps).toMatch(/^COPY package\.json package-lock\.json \.\/$/m);
    expect(deps).toMatch(/^RUN npm ci\b/m);
    expect(deps).not.toMatch(/npm run build|^COPY \. /m);
    // build: on the installed dependencies, the sources and `npm run build`
    expect(build).toMatch(/^deps AS build\n/);
    expect(build).toMatch(/^COPY \. \.$/m);
    expect(build).toMatch(/^RUN npm run build\b/m);
    expect(build).not.toMatch(/npm (ci|install)\b/);
    // runtime: only the artifacts, from the build stage
    expect(df.base).toBe('node:22-bookworm-slim');
    expect(runtime).not.toMatch(/\bAS\b/);
    expect(df.copies.length).toBeGreaterThan(0);
    for (const line of runtime.split('\n').filter((l) => l.startsWith('COPY ')))
      expect(line).toMatch(/^COPY --from=build \/src\/dist\//);
    expect(df.apt).toEqual(expect.arrayContaining(['iproute2', 'iptables']));
    const ignored = readFileSync(join(REPO, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', 'dist-test', '.git']));
    for (const needed of [
      'src',
      'scripts',
      'schemas',
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
    ])
      expect(ignored).not.toContain(needed);
  });

  it("install and cleanup use flags braid install has, on the host's CNI directories", () => {
    const cli = readFileSync(join(REPO, 'src/cli/install.ts'), 'utf8');
    const known = new Set([...cli.matchAll(/[Oo]ption\(\s*'(--[a-z-]+)/g)].map((m) => m[1]!));
    const hostPathOf = (d: DaemonSet, c: Container, dir: string) =>
      volume(d, c.volumeMounts!.find((m) => m.mountPath === dir)!.name).hostPath?.path;
    const installers = [container(ds, 'install'), container(ds, 'config-watch'), container(cleanupDs, 'remove-config')];
    for (const c of installers) {
      const cmd = c.command!;
      expect(cmd.slice(0, 2)).toEqual(['/usr/local/bin/braid', 'install']);
      expect(cmd.filter((a) => a.startsWith('--') && !known.has(a))).toEqual([]);
      const d = c === installers[2] ? cleanupDs : ds;
      expect(hostPathOf(d, c, flag(cmd, '--bin-dir')!)).toBe('/opt/cni/bin');
      expect(hostPathOf(d, c, flag(cmd, '--conf-dir')!)).toBe('/etc/cni/net.d');
    }
    expect(container(ds, 'install').command).toContain('--auto');
    expect(container(ds, 'config-watch').command).toEqual(
      expect.arrayContaining(['--auto', '--watch', '--cleanup-on-uninstall']),
    );
    expect(container(cleanupDs, 'remove-config').command).toEqual([
      '/usr/local/bin/braid',
      'install',
      '--cleanup',
      '--bin-dir',
      '/opt/cni/bin',
      '--conf-dir',
      '/etc/cni/net.d',
    ]);
  });

  it("config-watch removes config and executable on SIGTERM only when braid's own DaemonSet is going", () => {
    // The shutdown path is config-watch's SIGTERM handler asking the API server (ADR 0018), never a preStop hook or
    // an unconditional --cleanup: those would run on every rolling update too.
    for (const c of containersOf(ds)) {
      expect([c.name, c.lifecycle]).toEqual([c.name, undefined]);
      expect(c.command).not.toContain('--cleanup');
    }
    expect(
      containersOf(ds)
        .filter((c) => c.command?.includes('--cleanup-on-uninstall'))
        .map((c) => c.name),
    ).toEqual(['config-watch']);
    // It asks about this DaemonSet: its namespace from the downward API, its name as it is.
    const env = container(ds, 'config-watch').env ?? [];
    expect(env).toEqual(
      expect.arrayContaining([
        { name: DAEMONSET_ENV.namespace, valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: DAEMONSET_ENV.name, value: ds.metadata.name },
      ]),
    );
    // The kubelet waits for the daemon's drain and for the check (both start at SIGTERM) before it kills.
    const grace = ds.spec.template.spec.terminationGracePeriodSeconds!;
    expect(grace).toBeGreaterThanOrEqual(SHUTDOWN_CHECK_DEADLINE_MS / 1000 + 10);
    expect((ds.spec as unknown as { updateStrategy: Obj }).updateStrategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 1 },
    });
  });

  it('the fallback uninstall DaemonSet removes config, executable and state', () => {
    const state = container(cleanupDs, 'remove-state');
    const hostPaths = state.volumeMounts!.map((m) => [m.mountPath, volume(cleanupDs, m.name).hostPath?.path]);
    const onHost = (p: string) => {
      const [mp, hp] = hostPaths.find(([m]) => p.startsWith(`${m}/`))!;
      return posix.join(hp!, posix.relative(mp!, p));
    };
    const removed = state.command!.slice(2).map(onHost);
    expect(state.command!.slice(0, 2)).toEqual(['rm', '-rf']);
    expect(removed.sort()).toEqual([posix.dirname(daemonJson.socketPath as string), daemonJson.cacheDir].sort());
    expect(cleanupDs.spec.template.spec.initContainers!.map((c) => c.name)).toEqual(['remove-config', 'remove-state']);
  });

  it('privileged pods run in namespaces whose Pod Security level allows them', () => {
    for (const [ns, list] of [
      ['braid-system', objs],
      ['braid-cleanup', cleanupObjs],
    ] as const) {
      expect(one(list, 'Namespace', ns).metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('privileged');
    }
  });

  describe('images', () => {
    let tmp: string;
    beforeAll(() => {
      tmp = mkdtempSync(join(tmpdir(), 'braid-kustomize-'));
    });
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));
    const images = (list: K8sObject[]) => [
      ...new Set(ofKind<DaemonSet>(list, 'DaemonSet').flatMap((d) => containersOf(d).map((c) => c.image))),
    ];

    it('deploy/ and deploy/uninstall/ run the image of this version', () => {
      expect(images(objs)).toEqual([`${IMAGE}:${VERSION}`]);
      expect(images(cleanupObjs)).toEqual([`${IMAGE}:${VERSION}`]);
    });

    it('an overlay (or `kustomize edit set image`) moves every container to another image', () => {
      // An overlay in a directory of its own, as docs/install.md shows. `bases` so that kubectl 1.20 reads it too.
      const dir = join(tmp, 'overlay');
      mkdirSync(dir);
      writeFileSync(
        join(dir, 'kustomization.yaml'),
        stringifyYaml({
          apiVersion: 'kustomize.config.k8s.io/v1beta1',
          kind: 'Kustomization',
          bases: [relative(dir, join(REPO, 'deploy'))],
          images: [{ name: IMAGE, newName: 'registry.example.com/net/braid', newTag: '0.1.0-rc1' }],
        }),
      );
      expect(images(render(dir))).toEqual(['registry.example.com/net/braid:0.1.0-rc1']);

      cpSync(join(REPO, 'deploy'), join(tmp, 'deploy'), { recursive: true });
      cpSync(join(REPO, 'crds'), join(tmp, 'crds'), { recursive: true });
      // What `kustomize edit set image ghcr.io/braid-cni/braid=registry.example.com/braid:dev` writes: newName and
      // newTag on the existing entry. Done by hand on a copy (kubectl has no `edit`).
      for (const sub of ['deploy', 'deploy/uninstall']) {
        const file = join(tmp, sub, 'kustomization.yaml');
        const k = parseYaml(readFileSync(file, 'utf8')) as {
          images: { name: string; newName?: string; newTag?: string }[];
        };
        expect(k.images.map((i) => i.name)).toEqual([IMAGE]);
        k.images[0]!.newName = 'registry.example.com/braid';
        k.images[0]!.newTag = 'dev';
        writeFileSync(file, stringifyYaml(k));
        expect(images(render(join(tmp, sub)))).toEqual(['registry.example.com/braid:dev']);
      }
    });
  });
});

(kubectl && extraKubectls.length ? describe : describe.skip)(
  'the deploy/ manifests with other kubectl builds (BRAID_EXTRA_KUBECTL)',
  () => {
    it(`${extraKubectls.join(', ') || 'none given'}: the same objects`, () => {
      for (const bin of extraKubectls)
        for (const dir of ['deploy', 'deploy/uninstall'])
          expect(render(join(REPO, dir), bin)).toEqual(render(join(REPO, dir)));
    });
  },
);
