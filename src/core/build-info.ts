// What build this is: the version, and the commit the bundles were built from. The commit is fixed at build time
// (esbuild's and bun's --define of BRAID_COMMIT, from `git rev-parse --short HEAD`); a build without git, or code run
// unbundled (tsc's dist/, the tests), says "unknown". Nothing asks git at run time.
declare const BRAID_COMMIT: string | undefined;

export const BRAID_VERSION = '0.1.0';

export const BRAID_COMMIT_ID: string =
  typeof BRAID_COMMIT === 'string' && BRAID_COMMIT !== '' ? BRAID_COMMIT : 'unknown';

/** `braid 0.1.0 (commit abc1234)`. */
export const versionLine = (name = 'braid') => `${name} ${BRAID_VERSION} (commit ${BRAID_COMMIT_ID})`;
