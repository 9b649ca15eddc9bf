// A CRI client over containerd's unix socket: the RPCs kubelet makes for a pod sandbox, from runtime.proto.
// Messages are plain objects with camelCase fields (proto-loader); enums are their names, int64s strings.
import { credentials, Client, Metadata, type ServiceError } from '@grpc/grpc-js';
import { loadSync, type MethodDefinition, type ServiceDefinition } from '@grpc/proto-loader';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  PodSandboxConfig,
  PodSandboxFilter,
  PodSandboxStatusResponse,
  PodSandboxSummary,
  RuntimeCondition,
  VersionResponse,
} from './types.js';

const PROTO = join(dirname(fileURLToPath(import.meta.url)), 'runtime.proto');
const defs = loadSync(PROTO, { keepCase: false, longs: String, enums: String, defaults: true });
const service = (name: string) => defs[`runtime.v1.${name}`] as ServiceDefinition;
const RUNTIME = service('RuntimeService');
const IMAGES = service('ImageService');

/** A failed call: `code` is the gRPC status, `details` what the runtime said (for RunPodSandbox: the CNI error). */
export class CriError extends Error {
  constructor(
    readonly rpc: string,
    readonly code: number,
    readonly details: string,
  ) {
    super(`CRI ${rpc} failed (gRPC code ${code}): ${details}`);
  }
}

export class CriClient {
  private readonly client: Client;

  /** `socket`: the path of containerd's gRPC socket. Calls time out after `timeoutMs` (kubelet's default is 2 min). */
  constructor(
    readonly socket: string,
    private readonly timeoutMs = 30_000,
  ) {
    this.client = new Client(`unix://${socket}`, credentials.createInsecure());
  }

  private call<Res>(svc: ServiceDefinition, rpc: string, req: object, timeoutMs = this.timeoutMs): Promise<Res> {
    const m = svc[rpc] as unknown as MethodDefinition<object, Res>;
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        m.path,
        m.requestSerialize,
        m.responseDeserialize,
        req,
        new Metadata(),
        { deadline: Date.now() + timeoutMs },
        (err: ServiceError | null, res?: Res) =>
          err ? reject(new CriError(rpc, err.code, err.details)) : resolve(res as Res),
      );
    });
  }

  version(timeoutMs?: number): Promise<VersionResponse> {
    return this.call(RUNTIME, 'Version', { version: 'v1' }, timeoutMs);
  }

  /** The runtime's conditions (RuntimeReady, NetworkReady: false until a CNI config is loaded). */
  async conditions(): Promise<RuntimeCondition[]> {
    const res = await this.call<{ status?: { conditions: RuntimeCondition[] } }>(RUNTIME, 'Status', {});
    return res.status?.conditions ?? [];
  }

  async runPodSandbox(config: PodSandboxConfig, runtimeHandler = ''): Promise<string> {
    return (await this.call<{ podSandboxId: string }>(RUNTIME, 'RunPodSandbox', { config, runtimeHandler }))
      .podSandboxId;
  }

  /** With `verbose`, `info.info` is containerd's JSON (pid, runtimeSpec with the netns path, cniResult). */
  podSandboxStatus(id: string, verbose = false): Promise<PodSandboxStatusResponse> {
    return this.call(RUNTIME, 'PodSandboxStatus', { podSandboxId: id, verbose });
  }

  async stopPodSandbox(id: string): Promise<void> {
    await this.call(RUNTIME, 'StopPodSandbox', { podSandboxId: id });
  }

  async removePodSandbox(id: string): Promise<void> {
    await this.call(RUNTIME, 'RemovePodSandbox', { podSandboxId: id });
  }

  async listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandboxSummary[]> {
    return (await this.call<{ items: PodSandboxSummary[] }>(RUNTIME, 'ListPodSandbox', { filter })).items;
  }

  /** The CRI image id of `ref`, or undefined when the CRI plugin does not know it (yet). */
  async imageId(ref: string): Promise<string | undefined> {
    const res = await this.call<{ image?: { id: string } | null }>(IMAGES, 'ImageStatus', { image: { image: ref } });
    return res.image?.id || undefined;
  }

  close(): void {
    this.client.close();
  }
}
