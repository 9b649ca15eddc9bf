// The process boundary as a value: a CNI plugin main is `runSkel(io, handler)`.
// Success prints the handler's JSON; failure prints the error JSON on stdout and exits 1 (libcni's skel).
import { CniError, toCniError } from './errors.js';
import { type CniRequest, type Env, readRequest } from './request.js';
import { versionReport, CURRENT_VERSION, isSupportedVersion } from './version.js';

export interface ProcessIo {
  env: Env;
  stdin: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Returns the JSON to print, or undefined for commands that print nothing (DEL, CHECK, STATUS, GC). */
export type CniHandler = (req: CniRequest) => Promise<unknown>;

function errorVersion(stdin: string): string {
  try {
    const v = (JSON.parse(stdin) as { cniVersion?: unknown }).cniVersion;
    return typeof v === 'string' && isSupportedVersion(v) ? v : CURRENT_VERSION;
  } catch {
    return CURRENT_VERSION;
  }
}

export function printError(io: ProcessIo, err: CniError): number {
  io.stdout(JSON.stringify(err.toJSON(errorVersion(io.stdin))));
  return 1;
}

export async function runSkel(io: ProcessIo, handler: CniHandler, onError?: (e: unknown) => void): Promise<number> {
  try {
    const req = readRequest(io.env, io.stdin);
    if (req.command === 'VERSION') {
      io.stdout(JSON.stringify(versionReport()));
      return 0;
    }
    const out = await handler(req);
    if (out !== undefined) io.stdout(JSON.stringify(out));
    return 0;
  } catch (err) {
    onError?.(err);
    return printError(io, toCniError(err));
  }
}
