// CNI error codes, SPEC.md "Error" section (spec 1.1.0). 100+ are plugin-specific.
export const ErrorCode = {
  IncompatibleVersion: 1,
  UnsupportedField: 2,
  UnknownContainer: 3,
  InvalidEnvironment: 4,
  IoFailure: 5,
  DecodeFailure: 6,
  InvalidConfig: 7,
  TryAgainLater: 11,
  PluginNotAvailable: 50,
  PluginNotAvailableDegraded: 51,
  Internal: 999,
} as const;

export interface CniErrorJson {
  cniVersion?: string;
  code: number;
  msg: string;
  details?: string;
}

/** An error that crosses the CNI boundary: it keeps its spec code all the way to stdout. */
export class CniError extends Error {
  readonly code: number;
  readonly details: string | undefined;

  constructor(code: number, msg: string, details?: string) {
    super(msg);
    this.name = 'CniError';
    this.code = code;
    this.details = details || undefined;
  }

  /** The same error with context in front, e.g. the network that failed. */
  prefixed(prefix: string): CniError {
    return new CniError(this.code, `${prefix}: ${this.message}`, this.details);
  }

  toJSON(cniVersion?: string): CniErrorJson {
    const out: CniErrorJson = cniVersion ? { cniVersion, code: this.code, msg: this.message } : { code: this.code, msg: this.message };
    if (this.details) out.details = this.details;
    return out;
  }
}

/** Anything thrown becomes a CniError; unknown failures are code 999 with their message. */
export function toCniError(err: unknown): CniError {
  if (err instanceof CniError) return err;
  if (err instanceof Error) return new CniError(ErrorCode.Internal, err.message);
  return new CniError(ErrorCode.Internal, String(err));
}
