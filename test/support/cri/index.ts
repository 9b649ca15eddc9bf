// The CRI harness: a private containerd driven like kubelet drives it (see README.md here).
export { CriClient, CriError } from './client.js';
export { criUnavailable, nsenterNet, startContainerd, type ContainerdOptions } from './containerd.js';
export { cniBinDir } from './cni-bin.js';
export { ContainerdInstance } from './instance.js';
export { PAUSE_IMAGE } from './pause-image.js';
export { podExec, podSandboxConfig, podSandboxLinks, type Pod, type PodSpec } from './pod.js';
export type * from './types.js';
