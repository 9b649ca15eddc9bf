// Identifier rules as libcni enforces them (pkg/utils: ValidateContainerID, ValidateNetworkName,
// ValidateInterfaceName), so braid refuses what a libcni runtime would refuse.
const ID_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const MAX_IFNAME = 15; // IFNAMSIZ - 1

export function containerIdProblem(id: string): string | undefined {
  if (id === '') return 'is empty';
  if (!ID_RE.test(id)) return 'must start with a letter or digit and hold only letters, digits, "_", "." and "-"';
  return undefined;
}

export function networkNameProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (!ID_RE.test(name)) return 'must start with a letter or digit and hold only letters, digits, "_", "." and "-"';
  return undefined;
}

export function interfaceNameProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (name.length > MAX_IFNAME)
    return `is ${name.length} characters long, more than the kernel's limit of ${MAX_IFNAME}`;
  if (name === '.' || name === '..') return 'may not be "." or ".."';
  if (/[/:\s]/.test(name)) return 'may not contain "/", ":" or whitespace';
  return undefined;
}
