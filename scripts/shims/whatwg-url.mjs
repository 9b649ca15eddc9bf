// Build-time stand-in for the whatwg-url package in the daemon bundle. node-fetch@2 (pulled in by the
// Kubernetes client) imports it but uses Node's own URL whenever it exists (`Url.URL || whatwgUrl.URL`), which on
// Node 20 it always does; leaving it out drops its Unicode tables (tr46) from the daemon's memory (docs/adr/0009).
import { URL, URLSearchParams } from 'node:url';

export { URL, URLSearchParams };
export default { URL, URLSearchParams };
