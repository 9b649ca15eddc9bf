export const BRAID_VERSION = '0.1.0';
