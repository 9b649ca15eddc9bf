// test/support/apiserver/server.ts
import { readFileSync as readFileSync2 } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { parseArgs } from "node:util";

// test/support/apiserver/auth.ts
import { readFile } from "node:fs/promises";
var Tokens = class {
  constructor(staticTokens, tokenFile) {
    this.staticTokens = staticTokens;
    this.tokenFile = tokenFile;
  }
  staticTokens;
  tokenFile;
  /** The tokens accepted right now: one per line in the file, blank lines and `#` comments ignored. */
  async current() {
    const tokens = new Set(this.staticTokens);
    if (this.tokenFile) {
      const text = await readFile(this.tokenFile, "utf8").catch(() => "");
      for (const line of text.split("\n")) {
        const token = line.trim();
        if (token !== "" && !token.startsWith("#")) tokens.add(token);
      }
    }
    return tokens;
  }
  async check(authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (!match) return false;
    return (await this.current()).has(match[1]);
  }
};

// test/support/apiserver/status.ts
var reasonByCode = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  409: "Conflict",
  410: "Gone",
  415: "UnsupportedMediaType",
  422: "Invalid",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
  504: "Timeout"
};
function reasonForCode(code) {
  return reasonByCode[code] ?? (code >= 500 ? "InternalError" : "BadRequest");
}
function failure(code, message, opts = {}) {
  const status = {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason: opts.reason ?? reasonForCode(code),
    code
  };
  if (opts.details) status.details = opts.details;
  return status;
}
function success(details) {
  const status = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 200 };
  if (details) status.details = details;
  return status;
}
var ApiError = class extends Error {
  status;
  constructor(status) {
    super(status.message ?? status.reason ?? "error");
    this.status = status;
  }
};
var errors = {
  notFound: (resource, name, group = "") => new ApiError(failure(404, `${resource}${group ? `.${group}` : ""} "${name}" not found`, { details: { name, group, kind: resource } })),
  alreadyExists: (resource, name, group = "") => new ApiError(failure(
    409,
    `${resource}${group ? `.${group}` : ""} "${name}" already exists`,
    { reason: "AlreadyExists", details: { name, group, kind: resource } }
  )),
  conflict: (resource, name, group = "") => new ApiError(failure(
    409,
    `Operation cannot be fulfilled on ${resource}${group ? `.${group}` : ""} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { details: { name, group, kind: resource } }
  )),
  expired: (requested, oldest) => new ApiError(failure(410, `too old resource version: ${requested} (${oldest})`, { reason: "Expired" })),
  badRequest: (message) => new ApiError(failure(400, message)),
  invalid: (message) => new ApiError(failure(422, message)),
  methodNotAllowed: (message = "the server does not allow this method on the requested resource") => new ApiError(failure(405, message)),
  unsupportedMediaType: (type) => new ApiError(failure(415, `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${type})`))
};

// test/support/apiserver/http.ts
var maxBody = 16 * 1024 * 1024;
async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > maxBody) throw new ApiError(failure(413, "the request body is too large"));
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
async function readJson(req) {
  const text = await readBody(req);
  if (text.trim() === "") return void 0;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw errors.badRequest(`the request body is not valid JSON: ${err.message}`);
  }
}
function sendJson(res, code, body, headers = {}) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(code, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text), ...headers });
  res.end(text);
}
function sendStatus(res, status) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers = status.code === 429 ? { "Retry-After": "1" } : {};
  sendJson(res, status.code, status, headers);
}
function statusOf(err) {
  if (err instanceof ApiError) return err.status;
  return failure(500, `internal error: ${err instanceof Error ? err.message : String(err)}`);
}
var sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// test/support/apiserver/objects.ts
import { randomBytes, randomUUID } from "node:crypto";

// test/support/apiserver/patch.ts
var isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
function mergePatch(target, patch) {
  if (!isObject(patch)) return patch;
  const result = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key] ?? null, value);
  }
  return result;
}
function strategicMergePatch(target, patch) {
  return mergePatch(target, stripDirectives(patch));
}
function stripDirectives(patch) {
  if (!isObject(patch)) return patch;
  const out = {};
  for (const [key, value] of Object.entries(patch)) if (!key.startsWith("$")) out[key] = stripDirectives(value);
  return out;
}
function pointer(path) {
  if (path === "") return [];
  if (!path.startsWith("/")) throw errors.invalid(`JSON pointer "${path}" does not start with "/"`);
  return path.slice(1).split("/").map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}
function parentOf(doc, tokens, path) {
  let node = doc;
  for (const token of tokens.slice(0, -1)) {
    const next = Array.isArray(node) ? node[Number(token)] : isObject(node) ? node[token] : void 0;
    if (next === void 0) throw errors.invalid(`doc is missing path: "${path}"`);
    node = next;
  }
  if (!isObject(node) && !Array.isArray(node)) throw errors.invalid(`doc is missing path: "${path}"`);
  return { parent: node, key: tokens[tokens.length - 1] };
}
function readAt(doc, path) {
  const tokens = pointer(path);
  if (tokens.length === 0) return doc;
  const { parent, key } = parentOf(doc, tokens, path);
  const value = Array.isArray(parent) ? parent[Number(key)] : parent[key];
  if (value === void 0) throw errors.invalid(`doc is missing path: "${path}"`);
  return value;
}
function addAt(doc, path, value, replace) {
  const tokens = pointer(path);
  if (tokens.length === 0) throw errors.invalid("replacing the whole document is not supported");
  const { parent, key } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) {
    const index = key === "-" ? parent.length : Number(key);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) throw errors.invalid(`index out of range: "${path}"`);
    parent.splice(index, replace ? 1 : 0, structuredClone(value));
  } else {
    if (replace && !(key in parent)) throw errors.invalid(`doc is missing key: "${path}"`);
    parent[key] = structuredClone(value);
  }
}
function removeAt(doc, path) {
  const tokens = pointer(path);
  const { parent, key } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) {
    const index = Number(key);
    if (!(index >= 0 && index < parent.length)) throw errors.invalid(`index out of range: "${path}"`);
    parent.splice(index, 1);
  } else {
    if (!(key in parent)) throw errors.invalid(`doc is missing key: "${path}"`);
    delete parent[key];
  }
}
function jsonPatch(target, ops) {
  if (!Array.isArray(ops)) throw errors.badRequest("a JSON patch must be a JSON array of operations");
  const doc = structuredClone(target);
  for (const op of ops) {
    const value = op.value ?? null;
    switch (op.op) {
      case "add":
        addAt(doc, op.path, value, false);
        break;
      case "replace":
        addAt(doc, op.path, value, true);
        break;
      case "remove":
        removeAt(doc, op.path);
        break;
      case "copy":
        addAt(doc, op.path, readAt(doc, op.from ?? ""), false);
        break;
      case "move": {
        const moved = readAt(doc, op.from ?? "");
        removeAt(doc, op.from ?? "");
        addAt(doc, op.path, moved, false);
        break;
      }
      case "test":
        if (JSON.stringify(readAt(doc, op.path)) !== JSON.stringify(value)) {
          throw errors.invalid(`testing value ${op.path} failed`);
        }
        break;
      default:
        throw errors.invalid(`unexpected kind of JSON patch operation: "${String(op.op)}"`);
    }
  }
  return doc;
}
var patchers = {
  "application/merge-patch+json": mergePatch,
  "application/strategic-merge-patch+json": strategicMergePatch,
  "application/json-patch+json": jsonPatch
};
function applyPatch(contentType, target, body) {
  const type = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  const patcher = patchers[type];
  if (!patcher) throw errors.unsupportedMediaType(type || "(none)");
  const result = patcher(target, body);
  if (!isObject(result)) throw errors.invalid("the patched object is not a JSON object");
  return result;
}

// test/support/apiserver/resources.ts
var NAD_GROUP = "k8s.cni.cncf.io";
var verbs = ["create", "delete", "get", "list", "patch", "update", "watch"];
var resourceTypes = [
  {
    plural: "pods",
    singular: "pod",
    kind: "Pod",
    listKind: "PodList",
    group: "",
    version: "v1",
    shortNames: ["po"],
    subresources: ["status"],
    deleteReturnsObject: true
  },
  {
    plural: "events",
    singular: "event",
    kind: "Event",
    listKind: "EventList",
    group: "",
    version: "v1",
    shortNames: ["ev"],
    subresources: [],
    deleteReturnsObject: false
  },
  {
    plural: "network-attachment-definitions",
    singular: "network-attachment-definition",
    kind: "NetworkAttachmentDefinition",
    listKind: "NetworkAttachmentDefinitionList",
    group: NAD_GROUP,
    version: "v1",
    shortNames: ["net-attach-def"],
    subresources: [],
    deleteReturnsObject: true
  }
];
function apiVersionOf(type) {
  return type.group ? `${type.group}/${type.version}` : type.version;
}
function findResourceType(group, version, plural) {
  return resourceTypes.find((t) => t.group === group && t.version === version && t.plural === plural);
}
function resourceTypeOfObject(obj) {
  return resourceTypes.find((t) => apiVersionOf(t) === obj.apiVersion && t.kind === obj.kind);
}
function resourceList(group, version) {
  const resources = resourceTypes.filter((t) => t.group === group && t.version === version).flatMap((t) => [
    { name: t.plural, singularName: t.singular, namespaced: true, kind: t.kind, verbs, shortNames: t.shortNames },
    ...t.subresources.map((sub) => ({ name: `${t.plural}/${sub}`, singularName: "", namespaced: true, kind: t.kind, verbs: ["get", "patch", "update"] }))
  ]);
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: group ? `${group}/${version}` : version, resources };
}
function apiGroup(group) {
  const groupVersion = { groupVersion: `${group}/v1`, version: "v1" };
  return { kind: "APIGroup", apiVersion: "v1", name: group, versions: [groupVersion], preferredVersion: groupVersion };
}
function discoveryDocument(path, serverAddress) {
  const groups = [...new Set(resourceTypes.map((t) => t.group).filter((g) => g !== ""))];
  if (path === "/version") {
    return {
      major: "1",
      minor: "31",
      gitVersion: "v1.31.0-braid-standin",
      gitCommit: "",
      gitTreeState: "clean",
      buildDate: "1970-01-01T00:00:00Z",
      goVersion: "n/a",
      compiler: "n/a",
      platform: `${process.platform}/${process.arch}`
    };
  }
  if (path === "/api") {
    return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }] };
  }
  if (path === "/api/v1") return resourceList("", "v1");
  if (path === "/apis") return { kind: "APIGroupList", apiVersion: "v1", groups: groups.map(apiGroup) };
  for (const group of groups) {
    if (path === `/apis/${group}`) return apiGroup(group);
    if (path === `/apis/${group}/v1`) return resourceList(group, "v1");
  }
  return void 0;
}

// test/support/apiserver/objects.ts
function asObject(body) {
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw errors.badRequest("the request body is not a JSON object");
  const obj = body;
  if (obj.metadata === void 0) obj.metadata = {};
  if (obj.metadata === null || typeof obj.metadata !== "object") throw errors.badRequest("metadata is not an object");
  return obj;
}
function existingOrNotFound(store, ref) {
  const existing = store.get(ref.type, ref.namespace, ref.name);
  if (!existing) throw errors.notFound(ref.type.plural, ref.name, ref.type.group);
  return existing;
}
function createObject(store, type, namespace, body, upsert = false) {
  const obj = asObject(body);
  const meta = obj.metadata;
  if (meta.namespace !== void 0 && meta.namespace !== namespace) {
    throw errors.badRequest("the namespace of the provided object does not match the namespace sent on the request");
  }
  if (!meta.name && typeof meta.generateName === "string" && meta.generateName !== "") {
    meta.name = meta.generateName + randomBytes(3).toString("hex").slice(0, 5);
  }
  if (typeof meta.name !== "string" || meta.name === "") throw errors.invalid("metadata.name: Required value: name or generateName is required");
  const existing = store.get(type, namespace, meta.name);
  if (existing && !upsert) throw errors.alreadyExists(type.plural, meta.name, type.group);
  obj.apiVersion = apiVersionOf(type);
  obj.kind = type.kind;
  meta.namespace = namespace;
  const old = existing && !meta.uid ? JSON.parse(existing.json).metadata : void 0;
  meta.uid ??= old?.uid ?? randomUUID();
  meta.creationTimestamp ??= old?.creationTimestamp ?? (/* @__PURE__ */ new Date()).toISOString().replace(/\.\d+Z$/, "Z");
  delete meta.resourceVersion;
  if (type.kind === "Pod") obj.status ??= { phase: "Pending" };
  return store.write(type, obj);
}
function updateObject(store, ref, body) {
  const existing = existingOrNotFound(store, ref);
  const obj = asObject(body);
  if (obj.metadata.name !== void 0 && obj.metadata.name !== ref.name) {
    throw errors.badRequest(`the name of the object (${String(obj.metadata.name)}) does not match the name on the URL (${ref.name})`);
  }
  checkResourceVersion(ref, existing, obj);
  return commit(store, ref, existing, obj);
}
function patchObject(store, ref, contentType, body) {
  const existing = existingOrNotFound(store, ref);
  const patched = asObject(applyPatch(contentType, JSON.parse(existing.json), body));
  checkResourceVersion(ref, existing, patched);
  return commit(store, ref, existing, patched);
}
function deleteObject(store, ref, body) {
  const existing = existingOrNotFound(store, ref);
  const preconditions = body?.preconditions;
  if (preconditions?.resourceVersion !== void 0 && preconditions.resourceVersion !== String(existing.rv)) {
    throw errors.conflict(ref.type.plural, ref.name, ref.type.group);
  }
  if (preconditions?.uid !== void 0) {
    const current = JSON.parse(existing.json).metadata.uid;
    if (preconditions.uid !== current) throw errors.conflict(ref.type.plural, ref.name, ref.type.group);
  }
  return store.remove(ref.type, existing);
}
function checkResourceVersion(ref, existing, obj) {
  const rv = obj.metadata.resourceVersion;
  if (rv !== void 0 && rv !== null && rv !== "" && String(rv) !== String(existing.rv)) {
    throw errors.conflict(ref.type.plural, ref.name, ref.type.group);
  }
}
function commit(store, ref, existing, obj) {
  const old = JSON.parse(existing.json);
  obj.apiVersion = old.apiVersion;
  obj.kind = old.kind;
  for (const key of ["name", "namespace", "uid", "creationTimestamp"]) obj.metadata[key] = old.metadata[key];
  if (ref.type.subresources.includes("status")) {
    if (ref.subresource === "status") obj.spec = old.spec;
    else obj.status = old.status;
  }
  obj.metadata.resourceVersion = String(existing.rv);
  if (JSON.stringify(obj) === existing.json) return existing;
  return store.write(ref.type, obj);
}
function seedObjects(store, body) {
  const items = Array.isArray(body) ? body : body?.items ?? [body];
  for (const item of items) {
    const type = resourceTypeOfObject(item ?? {});
    if (!type) throw errors.badRequest(`no resource for apiVersion ${String(item?.apiVersion)} kind ${String(item?.kind)}`);
    const namespace = item.metadata?.namespace;
    createObject(store, type, typeof namespace === "string" ? namespace : "default", item, true);
  }
  return items.length;
}

// test/support/apiserver/control.ts
function resourceType(plural) {
  const type = resourceTypes.find((t) => t.plural === plural);
  if (!type) throw errors.badRequest(`unknown resource "${String(plural)}"`);
  return type;
}
function seed(ctx, body) {
  const seeded = seedObjects(ctx.store, body);
  return { seeded, resourceVersion: String(ctx.store.resourceVersion) };
}
function state(ctx) {
  return { ...ctx.store.stats(), historyLimit: ctx.store.historyLimit, watches: ctx.watches.size, goneAs: ctx.watches.goneAs, faults: ctx.faults.snapshot() };
}
async function configure(ctx, body) {
  const { goneAs, historyLimit, tokens } = body ?? {};
  if (goneAs !== void 0) ctx.watches.goneAs = goneAs;
  if (historyLimit !== void 0) ctx.store.historyLimit = historyLimit;
  if (tokens !== void 0) ctx.tokens.staticTokens = new Set(tokens);
  return state(ctx);
}
async function setFaults(ctx, settings) {
  ctx.faults.set(settings);
  if (settings.outage !== void 0) await ctx.setOutage(settings.outage);
  return ctx.faults.snapshot();
}
function restart(ctx, body) {
  const { compact, abrupt } = body ?? {};
  if (compact) ctx.store.compact();
  const watches = ctx.watches.size;
  if (abrupt) ctx.dropConnections();
  else ctx.watches.closeAll();
  return { closedWatches: watches, resourceVersion: String(ctx.store.resourceVersion) };
}
var routes = {
  "GET state": (ctx) => state(ctx),
  "POST reset": async (ctx) => {
    ctx.store.reset();
    ctx.watches.closeAll();
    ctx.counters.reset();
    await setFaults(ctx, { latencyMs: 0, failNext: null, dropNext: null, outage: null });
    return state(ctx);
  },
  "POST objects": (ctx, body) => seed(ctx, body),
  "GET objects": (ctx, _b, parts, query) => ({
    items: [...ctx.store.list(resourceType(parts[1]), query.get("namespace") ?? void 0)].map((o) => JSON.parse(o.json))
  }),
  "DELETE objects": (ctx, _b, parts) => {
    const type = resourceType(parts[1]);
    return JSON.parse(deleteObject(ctx.store, { type, namespace: parts[2] ?? "", name: parts[3] ?? "" }, void 0).json);
  },
  "GET faults": (ctx) => ctx.faults.snapshot(),
  "PUT faults": (ctx, body) => setFaults(ctx, body ?? {}),
  "DELETE faults": (ctx) => setFaults(ctx, { latencyMs: 0, failNext: null, dropNext: null, outage: null }),
  "POST restart": (ctx, body) => restart(ctx, body),
  "POST compact": (ctx) => {
    ctx.store.compact();
    return state(ctx);
  },
  "GET counters": (ctx) => ctx.counters.snapshot(),
  "DELETE counters": (ctx) => {
    ctx.counters.reset();
    return {};
  },
  "GET requests": (ctx) => ctx.counters.requests(),
  "PUT config": (ctx, body) => configure(ctx, body)
};
async function handleControlRequest(ctx, req, res) {
  try {
    const url = new URL(req.url ?? "/", "http://control");
    const parts = url.pathname.split("/").filter((p) => p !== "").map(decodeURIComponent);
    const handler = routes[`${req.method} ${parts[0] ?? ""}`];
    if (!handler) throw new ApiError(failure(404, `no control route ${req.method} ${url.pathname}`));
    const result = await handler(ctx, await readJson(req), parts, url.searchParams);
    sendJson(res, 200, result ?? {});
  } catch (err) {
    sendStatus(res, statusOf(err));
  }
}

// test/support/apiserver/counters.ts
var logLimit = 1e3;
var Counters = class {
  counts = /* @__PURE__ */ new Map();
  log = [];
  count(verb, path) {
    const key = `${verb} ${path}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  record(entry) {
    this.log.push(entry);
    if (this.log.length > logLimit * 2) this.log = this.log.slice(-logLimit);
  }
  snapshot() {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
  }
  requests() {
    return this.log.slice(-logLimit);
  }
  reset() {
    this.counts = /* @__PURE__ */ new Map();
    this.log = [];
  }
};

// test/support/apiserver/faults.ts
var matches = (m, verb, path) => (m.verb === void 0 || m.verb.toUpperCase() === verb) && (m.path === void 0 || path.includes(m.path));
var Faults = class {
  latencyMs = 0;
  failNext = null;
  dropNext = null;
  outage = null;
  /** Change the given settings only; null clears one. */
  set(settings) {
    if (settings.latencyMs !== void 0) this.latencyMs = Math.max(0, Number(settings.latencyMs) || 0);
    if (settings.failNext !== void 0) this.failNext = settings.failNext && { ...settings.failNext };
    if (settings.dropNext !== void 0) this.dropNext = settings.dropNext && { ...settings.dropNext };
    if (settings.outage !== void 0) this.outage = settings.outage;
  }
  clear() {
    this.set({ latencyMs: 0, failNext: null, dropNext: null, outage: null });
  }
  snapshot() {
    return { latencyMs: this.latencyMs, failNext: this.failNext, dropNext: this.dropNext, outage: this.outage };
  }
  /** What to do with one API request; consumes one count of a matching fail/drop fault. */
  decide(verb, path) {
    if (this.outage === "status") return { action: "fail", code: 503, message: "the API server is unavailable (injected outage)" };
    if (this.dropNext && this.dropNext.count > 0 && matches(this.dropNext, verb, path)) {
      if (--this.dropNext.count === 0) this.dropNext = null;
      return { action: "drop" };
    }
    const fail = this.failNext;
    if (fail && fail.count > 0 && matches(fail, verb, path)) {
      if (--fail.count === 0) this.failNext = null;
      return { action: "fail", code: fail.code ?? 500, message: fail.message ?? `injected failure (${fail.code ?? 500})` };
    }
    return void 0;
  }
};

// test/support/apiserver/listener.ts
var ApiListener = class {
  constructor(server, host) {
    this.server = server;
    this.host = host;
    server.on("connection", (socket) => {
      if (this.resetting) {
        socket.destroy();
        return;
      }
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }
  server;
  host;
  sockets = /* @__PURE__ */ new Set();
  resetting = false;
  port = 0;
  get boundPort() {
    return this.port;
  }
  async listen(port) {
    await new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, this.host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    const address = this.server.address();
    this.port = typeof address === "object" && address ? address.port : port;
    return this.port;
  }
  /** Destroy every open connection; returns how many there were. */
  destroyAll() {
    const n = this.sockets.size;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    return n;
  }
  /** Enter or leave an outage below HTTP; `status` outages are answered per request and need nothing here. */
  async setOutage(mode) {
    this.resetting = mode === "reset";
    if (mode === "refuse" && this.server.listening) {
      this.server.close();
      this.destroyAll();
    } else if (mode !== "refuse" && !this.server.listening) {
      await this.listen(this.port);
    }
    if (mode === "reset") this.destroyAll();
  }
};

// test/support/apiserver/selectors.ts
var matchAll = () => true;
function splitTerms(selector) {
  const terms = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "," && depth === 0) {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms.map((t) => t.trim()).filter((t) => t !== "");
}
function labelTerm(term) {
  const set = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (set) {
    const [, key, op, list] = set;
    const values = new Set(list.split(",").map((v) => v.trim()));
    return op === "in" ? (o) => o.labels?.[key] !== void 0 && values.has(o.labels[key]) : (o) => o.labels?.[key] === void 0 || !values.has(o.labels[key]);
  }
  const cmp = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(term);
  if (cmp) {
    const [, key, op, value] = cmp;
    return op === "!=" ? (o) => o.labels?.[key] !== value : (o) => o.labels?.[key] === value;
  }
  const exists = /^(!?)([\w./-]+)$/.exec(term);
  if (exists) {
    const [, not, key] = exists;
    return not ? (o) => o.labels?.[key] === void 0 : (o) => o.labels?.[key] !== void 0;
  }
  throw errors.badRequest(`unable to parse requirement: invalid label selector term "${term}"`);
}
function fieldValue(obj, path) {
  if (path === "metadata.name") return obj.name;
  if (path === "metadata.namespace") return obj.namespace;
  if (path === "spec.nodeName") return obj.nodeName ?? "";
  let value = JSON.parse(obj.json);
  for (const part of path.split(".")) {
    value = value !== null && typeof value === "object" ? value[part] : void 0;
  }
  return value === void 0 || value === null ? "" : String(value);
}
function fieldTerm(term) {
  const cmp = /^([\w.]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
  if (!cmp) throw errors.badRequest(`invalid field selector term "${term}"`);
  const [, path, op, value] = cmp;
  return op === "!=" ? (o) => fieldValue(o, path) !== value : (o) => fieldValue(o, path) === value;
}
function compile(selector, term) {
  if (!selector) return matchAll;
  const matchers = splitTerms(selector).map(term);
  return (o) => matchers.every((m) => m(o));
}
function compileSelectors(query) {
  const labels = compile(query.get("labelSelector"), labelTerm);
  const fields = compile(query.get("fieldSelector"), fieldTerm);
  return (o) => labels(o) && fields(o);
}

// test/support/apiserver/list.ts
var keyOf = (o) => `${o.namespace}/${o.name}`;
function decodeContinue(token) {
  try {
    const { after } = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (typeof after === "string") return after;
  } catch {
  }
  throw errors.badRequest("the continue token is invalid");
}
function listObjects(store, { type, namespace, query }) {
  const match = compileSelectors(query);
  const limit = Number(query.get("limit") ?? 0);
  const meta = { resourceVersion: String(store.resourceVersion) };
  let items = [];
  for (const obj of store.list(type, namespace)) if (match(obj)) items.push(obj);
  if (limit > 0) {
    items.sort((a, b) => keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0);
    const token = query.get("continue");
    if (token) {
      const after = decodeContinue(token);
      items = items.filter((o) => keyOf(o) > after);
    }
    if (items.length > limit) {
      const last = items[limit - 1];
      meta.continue = Buffer.from(JSON.stringify({ after: keyOf(last) })).toString("base64url");
      meta.remainingItemCount = items.length - limit;
      items = items.slice(0, limit);
    }
  }
  const head = { kind: type.listKind, apiVersion: apiVersionOf(type), metadata: meta };
  return `${JSON.stringify(head).slice(0, -1)},"items":[${items.map((o) => o.json).join(",")}]}`;
}

// test/support/apiserver/routes.ts
var publicPaths = /* @__PURE__ */ new Set(["/version", "/healthz", "/livez", "/readyz"]);
function parseTarget(path) {
  const parts = path.split("/").filter((p) => p !== "").map(decodeURIComponent);
  let group;
  let version;
  let rest;
  if (parts[0] === "api" && parts[1] === "v1") [group, version, rest] = ["", "v1", parts.slice(2)];
  else if (parts[0] === "apis" && parts.length >= 3) [group, version, rest] = [parts[1], parts[2], parts.slice(3)];
  else return void 0;
  const namespaced = rest[0] === "namespaces" && rest.length >= 3;
  const [namespace, plural, name, subresource, extra] = namespaced ? rest.slice(1) : [void 0, ...rest];
  const type = plural === void 0 ? void 0 : findResourceType(group, version, plural);
  if (!type || extra !== void 0 || !namespaced && name !== void 0) return void 0;
  if (subresource !== void 0 && !type.subresources.includes(subresource)) return void 0;
  return { type, namespace, name, subresource };
}
function verbOf(req, query) {
  const watch = query.get("watch");
  return req.method === "GET" && (watch === "true" || watch === "1") ? "WATCH" : req.method ?? "GET";
}
async function handleApiRequest(ctx, req, res) {
  const url = new URL(req.url ?? "/", "https://apiserver");
  const verb = verbOf(req, url.searchParams);
  ctx.counters.count(verb, url.pathname);
  res.on("close", () => ctx.counters.record({
    verb,
    path: url.pathname,
    query: url.search,
    contentType: req.headers["content-type"],
    userAgent: req.headers["user-agent"],
    code: res.headersSent ? res.statusCode : 0
  }));
  try {
    if (ctx.faults.latencyMs > 0) await sleep(ctx.faults.latencyMs);
    const fault = ctx.faults.decide(verb, url.pathname);
    if (fault?.action === "drop") {
      req.socket.destroy();
      return;
    }
    if (fault) throw new ApiError(failure(fault.code, fault.message));
    if (!publicPaths.has(url.pathname) && !await ctx.tokens.check(req.headers.authorization)) {
      throw new ApiError(failure(401, "Unauthorized"));
    }
    await dispatch(ctx, { req, res, url, verb });
  } catch (err) {
    sendStatus(res, statusOf(err));
  }
}
async function dispatch(ctx, { req, res, url, verb }) {
  if (publicPaths.has(url.pathname) && url.pathname !== "/version") return sendJson(res, 200, '"ok"');
  const doc = discoveryDocument(url.pathname, ctx.serverAddress());
  if (doc) return sendJson(res, 200, doc);
  const target = parseTarget(url.pathname);
  if (!target) throw new ApiError(failure(404, "the server could not find the requested resource"));
  const { type, namespace, name, subresource } = target;
  if (name === void 0) {
    if (verb === "WATCH") return ctx.watches.open({ type, namespace, query: url.searchParams }, res);
    if (verb === "GET") return sendJson(res, 200, listObjects(ctx.store, { type, namespace, query: url.searchParams }));
    if (verb === "POST" && namespace !== void 0) {
      return sendJson(res, 201, createObject(ctx.store, type, namespace, await readJson(req)).json);
    }
    throw errors.methodNotAllowed();
  }
  const ref = { type, namespace, name, subresource };
  switch (verb) {
    case "GET": {
      const obj = ctx.store.get(type, ref.namespace, name);
      if (!obj) throw errors.notFound(type.plural, name, type.group);
      return sendJson(res, 200, obj.json);
    }
    case "PUT":
      return sendJson(res, 200, updateObject(ctx.store, ref, await readJson(req)).json);
    case "PATCH":
      return sendJson(res, 200, patchObject(ctx.store, ref, req.headers["content-type"] ?? "", await readJson(req)).json);
    case "DELETE": {
      if (subresource) throw errors.methodNotAllowed();
      const deleted = deleteObject(ctx.store, ref, await readJson(req));
      return sendJson(res, 200, type.deleteReturnsObject ? deleted.json : success({ name, group: type.group, kind: type.plural }));
    }
    default:
      throw errors.methodNotAllowed();
  }
}

// test/support/apiserver/store.ts
var Store = class {
  constructor(historyLimit) {
    this.historyLimit = historyLimit;
  }
  historyLimit;
  rv = 1;
  tables = /* @__PURE__ */ new Map();
  history = [];
  historyStart = 0;
  /** Watches from a resourceVersion below this have lost events: 410. */
  compactedRv = 0;
  listeners = /* @__PURE__ */ new Set();
  get resourceVersion() {
    return this.rv;
  }
  onChange(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  get(type, namespace, name) {
    return this.tables.get(type)?.get(namespace)?.get(name);
  }
  /** Objects of a type, in one namespace or (namespace undefined) in all of them. */
  *list(type, namespace) {
    const table = this.tables.get(type);
    if (!table) return;
    if (namespace !== void 0) {
      yield* table.get(namespace)?.values() ?? [];
      return;
    }
    for (const objects of table.values()) yield* objects.values();
  }
  count(type) {
    let n = 0;
    for (const objects of this.tables.get(type)?.values() ?? []) n += objects.size;
    return n;
  }
  /** Store an object (created or replaced) under the next resourceVersion and tell the watches. */
  write(type, obj) {
    const rv = ++this.rv;
    obj.metadata.resourceVersion = String(rv);
    const record = toRecord(obj, rv);
    let table = this.tables.get(type);
    if (!table) this.tables.set(type, table = /* @__PURE__ */ new Map());
    let objects = table.get(record.namespace);
    if (!objects) table.set(record.namespace, objects = /* @__PURE__ */ new Map());
    const previous = objects.get(record.name);
    objects.set(record.name, record);
    this.record({ rv, type: previous ? "MODIFIED" : "ADDED", resource: type, object: record, previous });
    return record;
  }
  /** Delete an object; the DELETED event carries it with the deletion's resourceVersion, as the API server does. */
  remove(type, existing) {
    const rv = ++this.rv;
    const obj = JSON.parse(existing.json);
    obj.metadata.resourceVersion = String(rv);
    const record = toRecord(obj, rv);
    const objects = this.tables.get(type)?.get(existing.namespace);
    objects?.delete(existing.name);
    if (objects?.size === 0) this.tables.get(type)?.delete(existing.namespace);
    this.record({ rv, type: "DELETED", resource: type, object: record, previous: existing });
    return record;
  }
  /** The changes after `rv`, or 410 Expired when some of them were compacted away. */
  changesSince(rv) {
    if (rv < this.compactedRv) throw errors.expired(rv, this.compactedRv);
    const changes = [];
    for (let i = this.history.length - 1; i >= this.historyStart; i--) {
      const change = this.history[i];
      if (change.rv <= rv) break;
      changes.push(change);
    }
    return changes.reverse();
  }
  /**
   * Forget the history. The resourceVersion moves on by one, as other writes (leases, events) move it in a real
   * cluster, so that every client's last-seen version is now too old and its next watch answers 410.
   */
  compact() {
    this.rv++;
    this.compactedRv = this.rv;
    this.history = [];
    this.historyStart = 0;
  }
  /** Drop every object and the history (a fresh cluster, with the resourceVersion still increasing). */
  reset() {
    this.tables.clear();
    this.compact();
  }
  stats() {
    const objects = {};
    for (const type of this.tables.keys()) objects[type.plural] = this.count(type);
    return { resourceVersion: this.rv, compactedResourceVersion: this.compactedRv, history: this.history.length - this.historyStart, objects };
  }
  record(change) {
    this.history.push(change);
    while (this.history.length - this.historyStart > this.historyLimit) {
      this.compactedRv = this.history[this.historyStart].rv;
      this.historyStart++;
    }
    if (this.historyStart > 1024 && this.historyStart * 2 > this.history.length) {
      this.history = this.history.slice(this.historyStart);
      this.historyStart = 0;
    }
    for (const listener of this.listeners) listener(change);
  }
};
function toRecord(obj, rv) {
  const record = {
    namespace: String(obj.metadata.namespace ?? ""),
    name: String(obj.metadata.name ?? ""),
    rv,
    json: JSON.stringify(obj)
  };
  const labels = obj.metadata.labels;
  if (labels && typeof labels === "object" && Object.keys(labels).length > 0) record.labels = { ...labels };
  const nodeName = obj.spec?.nodeName;
  if (typeof nodeName === "string" && nodeName !== "") record.nodeName = nodeName;
  return record;
}

// test/support/apiserver/tls.ts
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
function loadCert(certFile, keyFile) {
  return { cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8") };
}
function generateCert(extraNames = []) {
  const dir = mkdtempSync(join(tmpdir(), "braid-apiserver-tls-"));
  try {
    const san = ["DNS:localhost", "IP:127.0.0.1", "IP:::1", ...extraNames.map((n) => /^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)];
    const keyFile = join(dir, "tls.key");
    const certFile = join(dir, "tls.crt");
    execFileSync("openssl", [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      certFile,
      "-days",
      "30",
      "-subj",
      "/CN=braid-apiserver-standin",
      "-addext",
      `subjectAltName=${san.join(",")}`,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,digitalSignature,keyCertSign",
      "-addext",
      "extendedKeyUsage=serverAuth"
    ], { stdio: ["ignore", "ignore", "pipe"] });
    return loadCert(certFile, keyFile);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// test/support/apiserver/watch.ts
var eventLine = (type, json) => `{"type":"${type}","object":${json}}
`;
var WatchHub = class {
  constructor(store) {
    this.store = store;
    store.onChange((change) => this.dispatch(change));
  }
  store;
  watchers = /* @__PURE__ */ new Set();
  goneAs = "event";
  get size() {
    return this.watchers.size;
  }
  /** Start a watch. Errors before the stream starts (bad selector, 410 as HTTP) are thrown for the router to answer. */
  open(request, res) {
    const watcher = { ...request, match: compileSelectors(request.query), res };
    const lines = this.initialLines(watcher);
    res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-cache, private", "Transfer-Encoding": "chunked" });
    if (lines instanceof ApiError) {
      res.end(eventLine("ERROR", JSON.stringify(lines.status)));
      return;
    }
    for (const line of lines) res.write(line);
    this.watchers.add(watcher);
    res.on("close", () => this.watchers.delete(watcher));
    const timeout = Number(request.query.get("timeoutSeconds") ?? 0);
    if (timeout > 0) {
      const timer = setTimeout(() => res.end(), timeout * 1e3);
      res.on("close", () => clearTimeout(timer));
    }
  }
  /** End every watch cleanly (an API server shutting down); clients see the stream end and reconnect. */
  closeAll() {
    const n = this.watchers.size;
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
    return n;
  }
  initialLines(w) {
    const rv = w.query.get("resourceVersion");
    if (rv === null || rv === "" || rv === "0") {
      const lines = [];
      for (const obj of this.store.list(w.type, w.namespace)) if (w.match(obj)) lines.push(eventLine("ADDED", obj.json));
      return lines;
    }
    if (!/^\d+$/.test(rv)) throw errors.badRequest(`invalid resource version "${rv}"`);
    let changes;
    try {
      changes = this.store.changesSince(Number(rv));
    } catch (err) {
      if (err instanceof ApiError && this.goneAs === "event") return err;
      throw err;
    }
    return changes.flatMap((change) => {
      const type = eventType(w, change);
      return type ? [eventLine(type, change.object.json)] : [];
    });
  }
  dispatch(change) {
    for (const w of this.watchers) {
      const type = eventType(w, change);
      if (type) w.res.write(eventLine(type, change.object.json));
    }
  }
};
function inScope(w, obj) {
  return obj !== void 0 && (w.namespace === void 0 || obj.namespace === w.namespace) && w.match(obj);
}
function eventType(w, change) {
  if (change.resource !== w.type) return void 0;
  const before = inScope(w, change.previous);
  if (change.type === "DELETED") return before ? "DELETED" : void 0;
  const now = inScope(w, change.object);
  if (now) return before ? "MODIFIED" : "ADDED";
  return before ? "DELETED" : void 0;
}

// test/support/apiserver/server.ts
var { values: args } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
    "control-port": { type: "string", default: "0" },
    token: { type: "string", multiple: true, default: [] },
    "token-file": { type: "string" },
    cert: { type: "string" },
    key: { type: "string" },
    san: { type: "string", multiple: true, default: [] },
    history: { type: "string", default: "1000" },
    "gone-as": { type: "string", default: "event" },
    seed: { type: "string" },
    "exit-with-stdin": { type: "boolean", default: false }
  },
  strict: true
});
async function main() {
  const store = new Store(Number(args.history));
  const watches = new WatchHub(store);
  watches.goneAs = args["gone-as"];
  const serving = args.cert && args.key ? loadCert(args.cert, args.key) : generateCert(args.san);
  const api = createHttpsServer({ cert: serving.cert, key: serving.key });
  const listener = new ApiListener(api, args.host);
  const ctx = {
    store,
    watches,
    faults: new Faults(),
    counters: new Counters(),
    tokens: new Tokens(new Set(args.token), args["token-file"]),
    serverAddress: () => `${args.host}:${listener.boundPort}`,
    setOutage: (mode) => listener.setOutage(mode),
    dropConnections: () => listener.destroyAll()
  };
  api.on("request", (req, res) => void handleApiRequest(ctx, req, res));
  api.requestTimeout = 0;
  api.keepAliveTimeout = 3e4;
  if (args.seed) seedObjects(store, JSON.parse(readFileSync2(args.seed, "utf8")));
  const port = await listener.listen(Number(args.port));
  const control = createHttpServer((req, res) => void handleControlRequest(ctx, req, res));
  await new Promise((resolve) => control.listen(Number(args["control-port"]), "127.0.0.1", resolve));
  const controlAddress = control.address();
  const controlPort = typeof controlAddress === "object" && controlAddress ? controlAddress.port : 0;
  const host = args.host.includes(":") ? `[${args.host}]` : args.host;
  process.stdout.write(`${JSON.stringify({
    event: "listening",
    pid: process.pid,
    url: `https://${host}:${port}`,
    port,
    controlUrl: `http://127.0.0.1:${controlPort}`,
    controlPort,
    ca: serving.cert
  })}
`);
  const exit = () => process.exit(0);
  process.on("SIGTERM", exit);
  process.on("SIGINT", exit);
  if (args["exit-with-stdin"]) {
    process.stdin.on("end", exit).on("close", exit).on("error", exit);
    process.stdin.resume();
  }
}
main().catch((err) => {
  console.error(`apiserver stand-in: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  process.exit(1);
});
