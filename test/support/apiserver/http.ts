// Small HTTP helpers shared by the API and control servers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, errors, failure, type Status } from './status.js';

const maxBody = 16 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBody) throw new ApiError(failure(413, 'the request body is too large'));
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The body as JSON; undefined when empty (DELETE without DeleteOptions). */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req);
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw errors.badRequest(`the request body is not valid JSON: ${(err as Error).message}`);
  }
}

/** Send a JSON body; a string is sent as is (stored objects are kept serialized). */
export function sendJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendStatus(res: ServerResponse, status: Status): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: Record<string, string> = status.code === 429 ? { 'Retry-After': '1' } : {};
  sendJson(res, status.code, status, headers);
}

/** Any thrown value as a Status: ApiErrors keep theirs, anything else is a 500 InternalError. */
export function statusOf(err: unknown): Status {
  if (err instanceof ApiError) return err.status;
  return failure(500, `internal error: ${err instanceof Error ? err.message : String(err)}`);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
