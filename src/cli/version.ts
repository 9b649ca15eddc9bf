export { BRAID_COMMIT_ID, BRAID_VERSION, versionLine } from '../core/build-info.js';
