// CNI_ARGS: "K=V;K=V" (SPEC.md "Parameters"). Order is kept: it is what delegates receive.
export type CniArgs = Array<[string, string]>;

export function parseCniArgs(raw: string | undefined): CniArgs {
  if (!raw) return [];
  const out: CniArgs = [];
  for (const pair of raw.split(';')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`CNI_ARGS: "${pair}" is not KEY=VALUE`);
    out.push([pair.slice(0, eq), pair.slice(eq + 1)]);
  }
  return out;
}

export const formatCniArgs = (args: CniArgs) => args.map(([k, v]) => `${k}=${v}`).join(';');

export function getArg(args: CniArgs, key: string): string | undefined {
  return args.find(([k]) => k === key)?.[1];
}

/**
 * The args every delegate gets: the runtime's own, with IgnoreUnknown=1 in front when absent.
 * host-local and static reject unknown keys on ADD and DEL otherwise, which leaks addresses.
 */
export function delegateArgs(args: CniArgs, extra: CniArgs = []): CniArgs {
  const out: CniArgs = args.some(([k]) => k === 'IgnoreUnknown') ? [...args] : [['IgnoreUnknown', '1'], ...args];
  for (const [k, v] of extra) {
    const i = out.findIndex(([key]) => key === k);
    if (i >= 0) out[i] = [k, v];
    else out.push([k, v]);
  }
  return out;
}
