/**
 * A caller of the send API over HTTP (docs/api.md): POST /messages one request at a time, POST
 * /messages/batch up to 100 at a time, GET /messages/{id}. Answers are returned as they came (status, JSON
 * body, headers); the tests decide what is right.
 */
import type { BatchResponse } from '../../core/openApi.js';

export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

async function call(url: string, init: RequestInit): Promise<ApiAnswer> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  const text = await response.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { unparsed: text };
  }
  return { status: response.status, body, headers: response.headers };
}

/** POST /messages: a send request (as JSON) or raw text as the body. */
export function postMessage(
  apiUrl: string,
  body: Record<string, unknown> | string,
  headers: Record<string, string> = {},
): Promise<ApiAnswer> {
  return call(`${apiUrl}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** POST /messages/batch with these items; the answer's body typed as the batch response. */
export async function postBatch(
  apiUrl: string,
  items: ReadonlyArray<Record<string, unknown>>,
): Promise<ApiAnswer & { batch: BatchResponse }> {
  const answer = await call(`${apiUrl}/messages/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: items }),
  });
  if (answer.status !== 200)
    throw new Error(`POST /messages/batch answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return { ...answer, batch: answer.body as unknown as BatchResponse };
}

export function getMessage(apiUrl: string, messageId: string): Promise<ApiAnswer> {
  return call(`${apiUrl}/messages/${messageId}`, { method: 'GET' });
}
