// `braid explain --socket`: the node's daemon is asked (GET /explain on its socket, daemon/explain-endpoint.ts) and
// answers from its informer caches, with no API request; what it alone knows is shown under `daemon`: where its node
// configuration came from, whether dynamicNetworks is on, and the pod's saved plans with what the next hot-plug does.
import { request } from 'node:http';
import { CniError, ErrorCode } from '../cni/errors.js';
import { isObject, type JsonObject } from '../cni/types.js';
import type { HotplugPreview } from '../core/explain-plan.js';
import type { ExplainReply, SandboxJson } from '../daemon/explain-endpoint.js';
import { formatTable } from './table.js';
import { escapeControls } from './terminal.js';

const EXPLAIN_PATH = '/explain';

function get(socketPath: string, path: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method: 'GET', path }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The daemon's answer; its CNI error (pod not cached, caches not synced, no plan at all) thrown as it says it. */
export async function askDaemon(socket: string, namespace: string, pod: string): Promise<ExplainReply> {
  const query = new URLSearchParams({ namespace, pod });
  let reply: { status: number; text: string };
  try {
    reply = await get(socket, `${EXPLAIN_PATH}?${query.toString()}`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new CniError(
      ErrorCode.TryAgainLater,
      `cannot reach the braid daemon at ${socket}: ${code}`,
      code === 'EACCES' ? "the socket is root's: run braid explain as root on the node" : undefined,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(reply.text);
  } catch {
    throw new CniError(ErrorCode.Internal, `the braid daemon at ${socket} answered ${reply.status}: ${reply.text}`);
  }
  if (reply.status === 200 && isObject(body)) return body as unknown as ExplainReply;
  const e = isObject(body) ? body : {};
  throw new CniError(
    typeof e.code === 'number' ? e.code : ErrorCode.Internal,
    typeof e.msg === 'string' ? e.msg : `the braid daemon at ${socket} answered ${reply.status}`,
    typeof e.details === 'string' ? e.details : undefined,
  );
}

/** The `daemon` part of the output. */
export function daemonSection(socket: string, reply: ExplainReply): JsonObject {
  return {
    socket,
    nodeConfig: reply.nodeConfig,
    dynamicNetworks: reply.dynamicNetworks,
    sandboxes: reply.sandboxes as unknown as JsonObject[],
  };
}

const named = (list: Array<{ interface: string; network: string }>) =>
  escapeControls(list.map((a) => `${a.interface} ${a.network}`).join(', '));

function previewLine(next: HotplugPreview | undefined): string {
  if (!next) return 'next hot-plug: nothing to do (the plan is what the annotation asks for)';
  if ('error' in next) return `next hot-plug: none, the annotation does not parse: ${escapeControls(next.error)}`;
  const parts = [
    ...(next.remove.length ? [`remove ${named(next.remove)}`] : []),
    ...(next.add.length ? [`add ${named(next.add)}`] : []),
  ];
  return `next hot-plug: ${parts.join('; then ')}`;
}

function sandboxText(s: SandboxJson, dynamic: boolean): string {
  const head = `saved plan of sandbox ${escapeControls(`${s.containerId} (netns ${s.netns})`)}${s.hotplugging ? ', a hot-plug under way' : ''}:`;
  const rows = s.attachments.map((a) => [
    a.interface,
    a.network,
    a.default ? 'yes' : '',
    a.hotplug === 'adding' ? 'adding' : '',
  ]);
  const table = formatTable(['INTERFACE', 'NETWORK', 'DEFAULT', 'HOT-PLUG'], rows);
  return `${head}\n${table}${dynamic ? `${previewLine(s.nextHotplug)}\n` : ''}`;
}

/** The daemon's part of the table output; what it quotes of the pod and its annotation is escaped (terminal.ts). */
export function renderDaemon(daemon: JsonObject): string {
  const sandboxes = daemon.sandboxes as unknown as SandboxJson[];
  const dynamic = daemon.dynamicNetworks === true;
  const lines = [
    escapeControls(`daemon ${String(daemon.socket)}: node configuration from ${String(daemon.nodeConfig)}`),
  ];
  if (!dynamic) lines.push('dynamicNetworks is off: an edit of the annotation takes effect when the pod is recreated');
  if (!sandboxes.length) lines.push('no saved plan: braid has attached no sandbox of this pod on this node');
  return [lines.join('\n'), ...sandboxes.map((s) => sandboxText(s, dynamic))].join('\n');
}
