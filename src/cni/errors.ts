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

/** Where an error happened, in the terms an operator acts on; rendered once, in front of the message. */
export interface ErrorContext {
  /** "namespace/name" */
  pod?: string;
  /** When no pod is known. */
  container?: string;
  network?: string;
  ifname?: string;
  plugin?: { type: string; name: string; command: string };
  /** Places inside the input, outermost first: a config file, a NAD, an annotation, a field. */
  where?: string[];
}

function render(msg: string, c: ErrorContext): string {
  const parts: string[] = [];
  if (c.pod) parts.push(`pod ${c.pod}`);
  else if (c.container) parts.push(`container ${c.container}`);
  if (c.network) parts.push(c.ifname ? `network ${c.network} (${c.ifname})` : `network ${c.network}`);
  if (c.plugin)
    parts.push(`plugin type="${c.plugin.type}" name="${c.plugin.name}" failed (${c.plugin.command.toLowerCase()})`);
  parts.push(...(c.where ?? []), msg);
  return parts.join(': ');
}

/** An error that crosses the CNI boundary: it keeps its spec code all the way to stdout. */
export class CniError extends Error {
  readonly code: number;
  readonly details: string | undefined;
  /** The message without its context. */
  readonly msg: string;
  readonly context: ErrorContext;

  constructor(code: number, msg: string, details?: string, context: ErrorContext = {}) {
    super(render(msg, context));
    this.name = 'CniError';
    this.code = code;
    this.details = details || undefined;
    this.msg = msg;
    this.context = context;
  }

  /**
   * The same error seen from further out: what the inner layer knew wins (it is more precise), places add up
   * outermost first.
   */
  withContext(outer: ErrorContext): CniError {
    const where = [...(outer.where ?? []), ...(this.context.where ?? [])];
    const merged: ErrorContext = { ...outer, ...this.context, ...(where.length ? { where } : {}) };
    return new CniError(this.code, this.msg, this.details, merged);
  }

  toJSON(cniVersion?: string): CniErrorJson {
    const out: CniErrorJson = cniVersion
      ? { cniVersion, code: this.code, msg: this.message }
      : { code: this.code, msg: this.message };
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
