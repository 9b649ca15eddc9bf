// Daemon mode on the executable's side: forward the request over the unix socket and print the answer,
// loading nothing else. When the daemon is down, DEL still runs in-process from the saved plan (a pod must
// always be deletable: multus-cni#1146) and ADD fails with "try again later".
import { request } from 'node:http';
import { CniError, ErrorCode } from '../cni/errors.js';
import { printError, type ProcessIo } from '../cni/skel.js';
import { CNI_PATH, runtimeEnvOf, type DaemonReply, type DaemonRequest } from './wire.js';

export class DaemonUnreachable extends Error {}

export function callDaemon(socketPath: string, body: DaemonRequest, timeoutMs = 300_000): Promise<DaemonReply> {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath, path: CNI_PATH, method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) }, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as DaemonReply);
          } catch {
            reject(new CniError(ErrorCode.Internal, `the braid daemon at ${socketPath} answered something that is not a reply (HTTP ${res.statusCode})`));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new CniError(ErrorCode.TryAgainLater, `the braid daemon at ${socketPath} did not answer in time`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err instanceof CniError) reject(err);
      else reject(new DaemonUnreachable(`${err.code ?? err.message}`));
    });
    req.end(data);
  });
}

/** Returns the exit code; `inProcessDel` runs DEL locally when the daemon cannot be reached. */
export async function forwardToDaemon(io: ProcessIo, socketPath: string, inProcessDel: () => Promise<number>): Promise<number> {
  try {
    const reply = await callDaemon(socketPath, { env: runtimeEnvOf(io.env), stdin: io.stdin });
    io.stdout(reply.stdout);
    return reply.exitCode;
  } catch (err) {
    if (!(err instanceof DaemonUnreachable)) return printError(io, err instanceof CniError ? err : new CniError(ErrorCode.Internal, String(err)));
    const command = io.env.CNI_COMMAND;
    if (command === 'DEL') return inProcessDel();
    const code = command === 'STATUS' ? ErrorCode.PluginNotAvailable : ErrorCode.TryAgainLater;
    return printError(io, new CniError(code, `the braid daemon is down: cannot reach ${socketPath} (${err.message})`, 'check the braid DaemonSet pod on this node; the runtime will retry'));
  }
}
