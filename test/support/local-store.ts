// A local store (directory of manifests) for the e2e tests.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function nadYaml(
  namespace: string,
  name: string,
  config: unknown,
  annotations: Record<string, string> = {},
): string {
  const ann = Object.entries(annotations)
    .map(([k, v]) => `\n    ${k}: ${JSON.stringify(v)}`)
    .join('');
  return `apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata:
  name: ${name}
  namespace: ${namespace}${ann ? `\n  annotations:${ann}` : ''}
spec:
  config: ${JSON.stringify(typeof config === 'string' ? config : JSON.stringify(config))}
`;
}

export function podYaml(namespace: string, name: string, annotations: Record<string, string>): string {
  const ann = Object.entries(annotations)
    .map(([k, v]) => `\n    ${k}: ${JSON.stringify(v)}`)
    .join('');
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: ${namespace}
  uid: 00000000-0000-4000-8000-${name
    .padStart(12, '0')
    .slice(-12)
    .replace(/[^0-9a-f]/g, '0')}
  annotations:${ann || ' {}'}
spec:
  containers: [{name: app, image: example/app}]
`;
}

/** Writes `files` (name → content) into a fresh store directory. */
export function writeStore(dir: string, files: Record<string, string>): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
