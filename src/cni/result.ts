// Reading results of any version (0.1.0 on) and writing them at the version the caller asked for.
// 0.1.0/0.2.0: {ip4:{ip,gateway,routes}, ip6:{…}, dns}. 0.3.x/0.4.0: ips[] carry "version".
// 1.x: ips[] have no "version". SPEC.md "Result", and libcni's types020/types040/types100.
import { CniError, ErrorCode } from './errors.js';
import { compareVersions } from './version.js';
import { type Dns, type IpConfig, type Result, type Route, isObject, type JsonObject } from './types.js';

const bad = (msg: string) => new CniError(ErrorCode.DecodeFailure, `malformed result: ${msg}`);

function readRoutes(raw: unknown, where: string): Route[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw bad(`${where} is not a list`);
  return raw.map((r, i) => {
    if (!isObject(r) || typeof r.dst !== 'string') throw bad(`${where}[${i}].dst is missing`);
    return r as unknown as Route;
  });
}

function readDns(raw: unknown): Dns | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) throw bad('dns is not an object');
  return raw as Dns;
}

function readLegacy(raw: JsonObject, version: string): Result {
  const ips: IpConfig[] = [];
  const routes: Route[] = [];
  for (const key of ['ip4', 'ip6'] as const) {
    const ip = raw[key];
    if (ip === undefined || ip === null) continue;
    if (!isObject(ip) || typeof ip.ip !== 'string') throw bad(`${key}.ip is missing`);
    ips.push(typeof ip.gateway === 'string' ? { address: ip.ip, gateway: ip.gateway } : { address: ip.ip });
    routes.push(...readRoutes(ip.routes, `${key}.routes`));
  }
  return compact({ cniVersion: version, ips, routes, dns: readDns(raw.dns) });
}

function readModern(raw: JsonObject, version: string): Result {
  if (raw.interfaces !== undefined && !Array.isArray(raw.interfaces)) throw bad('interfaces is not a list');
  if (raw.ips !== undefined && !Array.isArray(raw.ips)) throw bad('ips is not a list');
  const interfaces = ((raw.interfaces as unknown[]) ?? []).map((it, i) => {
    if (!isObject(it) || typeof it.name !== 'string') throw bad(`interfaces[${i}].name is missing`);
    return it as unknown as NonNullable<Result['interfaces']>[number];
  });
  const ips = ((raw.ips as unknown[]) ?? []).map((ip, i) => {
    if (!isObject(ip) || typeof ip.address !== 'string') throw bad(`ips[${i}].address is missing`);
    const out: IpConfig = { address: ip.address };
    if (typeof ip.gateway === 'string' && ip.gateway !== '') out.gateway = ip.gateway;
    if (typeof ip.interface === 'number') out.interface = ip.interface;
    return out;
  });
  return compact({
    cniVersion: version,
    interfaces,
    ips,
    routes: readRoutes(raw.routes, 'routes'),
    dns: readDns(raw.dns),
  });
}

function compact(r: Result): Result {
  const out: Result = { cniVersion: r.cniVersion };
  if (r.interfaces?.length) out.interfaces = r.interfaces;
  if (r.ips?.length) out.ips = r.ips;
  if (r.routes?.length) out.routes = r.routes;
  if (r.dns) out.dns = r.dns;
  return out;
}

/**
 * Parses a plugin's result whatever its version. `confVersion` is the version the plugin was called with;
 * the result's own cniVersion wins, and the shape decides when neither is usable (a delegate may carry a
 * non-spec version such as Contiv's "0.6.0").
 */
export function parseResult(raw: unknown, confVersion = ''): Result {
  if (!isObject(raw)) throw bad('not a JSON object');
  const version = typeof raw.cniVersion === 'string' && raw.cniVersion !== '' ? raw.cniVersion : confVersion || '0.1.0';
  const legacyShape = (raw.ip4 !== undefined || raw.ip6 !== undefined) && raw.ips === undefined;
  const legacyVersion = compareVersions(version, '0.3.0') < 0 && raw.ips === undefined && raw.interfaces === undefined;
  return legacyShape || legacyVersion ? readLegacy(raw, version) : readModern(raw, version);
}

const ipFamily = (cidr: string) => (cidr.includes(':') ? '6' : '4');

/** Writes a result at `version` (0.3.0 or later), as a plain object with the key order Go's structs give. */
export function formatResult(result: Result, version: string): JsonObject {
  const withVersionField = compareVersions(version, '1.0.0') < 0;
  const out: JsonObject = { cniVersion: version };
  if (result.interfaces?.length) out.interfaces = result.interfaces;
  if (result.ips?.length) {
    out.ips = result.ips.map((ip) => {
      const o: JsonObject = withVersionField ? { version: ipFamily(ip.address) } : {};
      if (ip.interface !== undefined) o.interface = ip.interface;
      o.address = ip.address;
      if (ip.gateway) o.gateway = ip.gateway;
      return o;
    });
  }
  if (result.routes?.length) out.routes = result.routes;
  out.dns = result.dns ?? {};
  return out;
}
