// Identifier rules as libcni enforces them (pkg/utils: ValidateContainerID, ValidateNetworkName,
// ValidateInterfaceName), so braid refuses what a libcni runtime would refuse.
const ID_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const MAX_IFNAME = 15; // IFNAMSIZ - 1, in bytes: Go's len() and the kernel count bytes, not characters
/**
 * libcni sets no limit; braid does, since the ID names files (plans, results, records): every runtime's IDs are 64
 * hex digits, and one of a few hundred characters made a name no file system takes (issue 12).
 */
export const MAX_CONTAINER_ID = 128;
/** NUL and the other control characters: no interface name holds one, and NUL cannot be in a path. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
/** Go's unicode.IsSpace, which libcni applies: \s plus U+0085 (NEL). */
const SPACE = /[\s\u0085]/;

export function containerIdProblem(id: string): string | undefined {
  if (id === '') return 'is empty';
  if (!ID_RE.test(id)) return 'must start with a letter or digit and hold only letters, digits, "_", "." and "-"';
  if (id.length > MAX_CONTAINER_ID) return `is ${id.length} characters long; at most ${MAX_CONTAINER_ID} are accepted`;
  return undefined;
}

export function networkNameProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (!ID_RE.test(name)) return 'must start with a letter or digit and hold only letters, digits, "_", "." and "-"';
  return undefined;
}

export function interfaceNameProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  const bytes = Buffer.byteLength(name);
  if (bytes > MAX_IFNAME) return `is ${bytes} bytes long, more than the kernel's limit of ${MAX_IFNAME}`;
  if (name === '.' || name === '..') return 'may not be "." or ".."';
  if (/[/:]/.test(name) || SPACE.test(name)) return 'may not contain "/", ":" or whitespace';
  if (CONTROL.test(name)) return 'may not contain NUL or another control character';
  return undefined;
}
