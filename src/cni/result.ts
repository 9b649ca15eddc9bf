// Reading results of any version (0.1.0 on) and writing them at the version the caller asked for.
// 0.1.0/0.2.0: {ip4:{ip,gateway,routes}, ip6:{…}, dns}. 0.3.x/0.4.0: ips[] carry "version".
// 1.x: ips[] have no "version". SPEC.md "Result", and libcni's types020/types040/types100.
//
// Read leniently, written strictly (issue 11): a delegate whose result is slightly off the spec has still created
// its interfaces, and failing the ADD for a route without "dst" would tear down a working attachment. So each part
// that cannot be understood is left out and named in `problems`; only a result that is not a JSON object fails.
// What braid keeps has only the spec's fields with the spec's types, so a Go runtime can always read it back.
import { isIP } from 'node:net';
import { CniError, ErrorCode } from './errors.js';
import { safeJson } from './json-walk.js';
import { compareVersions } from './version.js';
import {
  type Dns,
  type Interface,
  type IpConfig,
  type Result,
  type Route,
  isObject,
  type JsonObject,
} from './types.js';

/** A result as braid understood it, and each part it left out ("<where>: <why>, <what was done>"). */
export interface ReadResult {
  result: Result;
  problems: string[];
}

type Problems = string[];
type Check = (v: unknown) => boolean;

const isString: Check = (v) => typeof v === 'string';
const isStrings: Check = (v) => Array.isArray(v) && v.every(isString);
const isInt = (v: unknown): v is number => Number.isInteger(v);
const isAddress = (v: unknown): v is string => typeof v === 'string' && isIP(v) !== 0;
const isCidr = (v: unknown): v is string => {
  if (typeof v !== 'string') return false;
  const [ip = '', prefix = '', ...rest] = v.split('/');
  const family = isIP(ip);
  return family !== 0 && rest.length === 0 && /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
};
const absent = (v: unknown) => v === undefined || v === null || v === '';
/** A value in a problem: safeJson, since it is the delegate's and may be nested thousands deep. */
const show = (v: unknown) => {
  const s = safeJson(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

const notCidr = (key: string, v: unknown) => (absent(v) ? `no "${key}"` : `"${key}" ${show(v)} is not a CIDR`);

// The optional fields of each part (SPEC.md "Result"), with their types.
const INTERFACE_FIELDS: Record<string, Check> = {
  mac: isString,
  mtu: isInt,
  sandbox: isString,
  socketPath: isString,
  pciID: isString,
};
const ROUTE_FIELDS: Record<string, Check> = { mtu: isInt, advmss: isInt, priority: isInt, table: isInt, scope: isInt };
const DNS_FIELDS: Record<string, Check> = {
  nameservers: isStrings,
  domain: isString,
  search: isStrings,
  options: isStrings,
};

/** The `fields` of `raw` that have their type; a field of another type is left out and named. Unknown keys go. */
function pick(raw: JsonObject, fields: Record<string, Check>, where: string, problems: Problems): JsonObject {
  const out: JsonObject = {};
  for (const [key, ok] of Object.entries(fields)) {
    const v = raw[key];
    if (absent(v)) continue;
    if (ok(v)) out[key] = v;
    else problems.push(`${where}.${key}: ${show(v)} has the wrong type, left out`);
  }
  return out;
}

function listOf(raw: unknown, where: string, problems: Problems): unknown[] {
  if (raw === undefined || raw === null) return [];
  if (Array.isArray(raw)) return raw;
  problems.push(`${where}: not a list, dropped`);
  return [];
}

/** A route needs a "dst"; a "gw" that is not an address would change where it goes, so the route goes too. */
function readRoutes(raw: unknown, where: string, problems: Problems): Route[] {
  return listOf(raw, where, problems).flatMap((r, i) => {
    const at = `${where}[${i}]`;
    if (!isObject(r) || !isCidr(r.dst)) {
      problems.push(`${at}: ${!isObject(r) ? 'not an object' : notCidr('dst', r.dst)}, dropped`);
      return [];
    }
    if (!absent(r.gw) && !isAddress(r.gw)) {
      problems.push(`${at}: "gw" ${show(r.gw)} is not an IP address, dropped`);
      return [];
    }
    const route: Route = { dst: r.dst };
    if (!absent(r.gw)) route.gw = r.gw as string;
    return [{ ...route, ...pick(r, ROUTE_FIELDS, at, problems) } as Route];
  });
}

function readDns(raw: unknown, problems: Problems): Dns | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (isObject(raw)) return pick(raw, DNS_FIELDS, 'dns', problems) as Dns;
  problems.push('dns: not an object, dropped');
  return undefined;
}

/** An empty gateway is no gateway (Go reads "" as nil); one that is not an address is left out. */
function readGateway(raw: unknown, where: string, problems: Problems): string | undefined {
  if (absent(raw)) return undefined;
  if (isAddress(raw)) return raw;
  problems.push(`${where}: ${show(raw)} is not an IP address, left out`);
  return undefined;
}

function readLegacy(raw: JsonObject, version: string, problems: Problems): Result {
  const ips: IpConfig[] = [];
  const routes: Route[] = [];
  for (const key of ['ip4', 'ip6'] as const) {
    const ip = raw[key];
    if (ip === undefined || ip === null) continue;
    if (!isObject(ip) || !isCidr(ip.ip)) {
      problems.push(`${key}: ${!isObject(ip) ? 'not an object' : notCidr('ip', ip.ip)}, dropped`);
      continue;
    }
    const gateway = readGateway(ip.gateway, `${key}.gateway`, problems);
    ips.push(gateway ? { address: ip.ip, gateway } : { address: ip.ip });
    routes.push(...readRoutes(ip.routes, `${key}.routes`, problems));
  }
  return compact({ cniVersion: version, ips, routes, dns: readDns(raw.dns, problems) });
}

/** The interfaces with a name, and where each original index went (undefined: the interface was dropped). */
function readInterfaces(raw: unknown, problems: Problems): { interfaces: Interface[]; moved: (number | undefined)[] } {
  const interfaces: Interface[] = [];
  const moved = listOf(raw, 'interfaces', problems).map((it, i) => {
    if (!isObject(it) || typeof it.name !== 'string' || it.name === '') {
      problems.push(`interfaces[${i}]: no "name", dropped`);
      return undefined;
    }
    interfaces.push({ name: it.name, ...pick(it, INTERFACE_FIELDS, `interfaces[${i}]`, problems) });
    return interfaces.length - 1;
  });
  return { interfaces, moved };
}

/** An ip's "interface", renumbered past dropped interfaces; one naming no (kept) interface names none. */
function readIndex(raw: unknown, where: string, moved: (number | undefined)[], problems: Problems): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isInt(raw) || raw < 0 || raw >= moved.length) {
    problems.push(`${where}: ${show(raw)} is not the index of an interface of the result, read as naming none`);
    return undefined;
  }
  if (moved[raw] === undefined) problems.push(`${where}: ${raw} names a dropped interface, read as naming none`);
  return moved[raw];
}

function readIps(raw: unknown, moved: (number | undefined)[], problems: Problems): IpConfig[] {
  return listOf(raw, 'ips', problems).flatMap((ip, i) => {
    const at = `ips[${i}]`;
    if (!isObject(ip) || !isCidr(ip.address)) {
      problems.push(`${at}: ${!isObject(ip) ? 'not an object' : notCidr('address', ip.address)}, dropped`);
      return [];
    }
    const out: IpConfig = { address: ip.address };
    const gateway = readGateway(ip.gateway, `${at}.gateway`, problems);
    if (gateway) out.gateway = gateway;
    const index = readIndex(ip.interface, `${at}.interface`, moved, problems);
    if (index !== undefined) out.interface = index;
    return [out];
  });
}

function readModern(raw: JsonObject, version: string, problems: Problems): Result {
  const { interfaces, moved } = readInterfaces(raw.interfaces, problems);
  return compact({
    cniVersion: version,
    interfaces,
    ips: readIps(raw.ips, moved, problems),
    routes: readRoutes(raw.routes, 'routes', problems),
    dns: readDns(raw.dns, problems),
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
 * Reads a plugin's result whatever its version, keeping what it can and naming what it left out. `confVersion` is
 * the version the plugin was called with; the result's own cniVersion wins, and the shape decides when neither is
 * usable (a delegate may carry a non-spec version such as Contiv's "0.6.0"). Throws only when `raw` is not an object.
 */
export function readResult(raw: unknown, confVersion = ''): ReadResult {
  if (!isObject(raw)) throw new CniError(ErrorCode.DecodeFailure, 'malformed result: not a JSON object');
  const version = typeof raw.cniVersion === 'string' && raw.cniVersion !== '' ? raw.cniVersion : confVersion || '0.1.0';
  const legacyShape = (raw.ip4 !== undefined || raw.ip6 !== undefined) && raw.ips === undefined;
  const legacyVersion = compareVersions(version, '0.3.0') < 0 && raw.ips === undefined && raw.interfaces === undefined;
  const problems: Problems = [];
  const result = legacyShape || legacyVersion ? readLegacy(raw, version, problems) : readModern(raw, version, problems);
  return { result, problems };
}

/** `readResult` for callers that only want the result (what could not be read is left out silently). */
export const parseResult = (raw: unknown, confVersion = ''): Result => readResult(raw, confVersion).result;

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
