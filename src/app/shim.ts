// Daemon mode on the executable's side: forward the request over the unix socket and print the answer,
// loading nothing else (no node:http, no skel: see unix-post.ts). When the daemon is down, DEL still runs
// in-process from the saved plan (a pod must always be deletable: multus-cni#1146) and ADD fails with "try
// again later".
import { CniError, ErrorCode } from '../cni/errors.js';
import type { ProcessIo } from '../cni/skel.js';
import { CURRENT_VERSION, isSupportedVersion } from '../cni/version.js';
import { unixPost, UnixPostError } from '../wire/unix-post.js';
import { CNI_PATH, runtimeEnvOf, type DaemonReply, type DaemonRequest } from '../wire/messages.js';

export class DaemonUnreachable extends Error {}

export async function callDaemon(socketPath: string, body: DaemonRequest, timeoutMs = 300_000): Promise<DaemonReply> {
  let res;
  try {
    res = await unixPost(socketPath, {
      path: CNI_PATH,
      contentType: 'application/json',
      body: JSON.stringify(body),
      timeoutMs,
    });
  } catch (err) {
    if (!(err instanceof UnixPostError)) throw err;
    if (err.kind === 'timeout')
      throw new CniError(ErrorCode.TryAgainLater, `the braid daemon at ${socketPath} did not answer in time`);
    if (err.kind === 'unreachable') throw new DaemonUnreachable(err.code);
    throw notAReply(socketPath, err.status);
  }
  let reply: Partial<DaemonReply> | null;
  try {
    reply = JSON.parse(res.body.toString('utf8')) as Partial<DaemonReply> | null;
  } catch {
    throw notAReply(socketPath, res.status);
  }
  if (typeof reply?.exitCode !== 'number' || typeof reply.stdout !== 'string') throw notAReply(socketPath, res.status);
  return reply as DaemonReply;
}

const notAReply = (socketPath: string, status: number | undefined) =>
  new CniError(
    ErrorCode.Internal,
    `the braid daemon at ${socketPath} answered something that is not a reply (HTTP ${status})`,
  );

/** skel's printError, without loading skel and the request parsing behind it. */
function printError(io: ProcessIo, err: CniError): number {
  let version = CURRENT_VERSION;
  try {
    const v = (JSON.parse(io.stdin) as { cniVersion?: unknown }).cniVersion;
    if (typeof v === 'string' && isSupportedVersion(v)) version = v;
  } catch {
    // not JSON: the current version
  }
  io.stdout(JSON.stringify(err.toJSON(version)));
  return 1;
}

/** Returns the exit code; `inProcessDel` runs DEL locally when the daemon cannot be reached. */
export async function forwardToDaemon(
  io: ProcessIo,
  socketPath: string,
  inProcessDel: () => Promise<number>,
): Promise<number> {
  try {
    const reply = await callDaemon(socketPath, { env: runtimeEnvOf(io.env), stdin: io.stdin });
    io.stdout(reply.stdout);
    return reply.exitCode;
  } catch (err) {
    if (!(err instanceof DaemonUnreachable))
      return printError(io, err instanceof CniError ? err : new CniError(ErrorCode.Internal, String(err)));
    const command = io.env.CNI_COMMAND;
    if (command === 'DEL') return inProcessDel();
    const code = command === 'STATUS' ? ErrorCode.PluginNotAvailable : ErrorCode.TryAgainLater;
    return printError(
      io,
      new CniError(
        code,
        `the braid daemon is down: cannot reach ${socketPath} (${err.message})`,
        'check the braid DaemonSet pod on this node; the runtime will retry',
      ),
    );
  }
}
