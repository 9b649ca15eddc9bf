// The objects `kubectl kustomize deploy/` renders, and the parts of them a test runs: a container's command,
// environment and volumes, as the kubelet would set them up.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO } from './netns.js';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  mountPropagation?: string;
}

export interface Volume {
  name: string;
  hostPath?: { path: string; type?: string };
  configMap?: { name: string };
}

export interface ContainerSpec {
  name: string;
  command: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }>;
  volumeMounts?: VolumeMount[];
}

export interface PodSpec {
  initContainers?: ContainerSpec[];
  containers: ContainerSpec[];
  volumes: Volume[];
}

export function renderDeploy(): K8sObject[] {
  const text = execFileSync('kubectl', ['kustomize', join(REPO, 'deploy')], { encoding: 'utf8' });
  return parseAllDocuments(text)
    .map((d) => d.toJS() as K8sObject)
    .filter(Boolean);
}

export function findObject(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const o = objects.find((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
  if (!o) throw new Error(`deploy/ renders no ${kind}${name ? ` ${name}` : ''}`);
  return o;
}

export const daemonSetPod = (objects: K8sObject[]): PodSpec =>
  (findObject(objects, 'DaemonSet') as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;

export function containerOf(pod: PodSpec, name: string): ContainerSpec {
  const c = [...(pod.initContainers ?? []), ...pod.containers].find((x) => x.name === name);
  if (!c) throw new Error(`the DaemonSet has no container ${name}`);
  return c;
}

export function configMapData(objects: K8sObject[], name: string): Record<string, string> {
  return (findObject(objects, 'ConfigMap', name) as unknown as { data: Record<string, string> }).data;
}

/** The container's environment as the kubelet resolves it (fieldRef spec.nodeName only: all braid uses). */
export function containerEnv(c: ContainerSpec, nodeName: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'spec.nodeName') env[e.name] = nodeName;
    else throw new Error(`the test cannot resolve env ${e.name} of container ${c.name}`);
  }
  return env;
}
