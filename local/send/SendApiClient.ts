/**
 * The send API over HTTP (global fetch): POST /messages (optionally ?dryRun=true) and GET /messages/{id}.
 * Answers are checked against the API's own schemas (core/openApi.ts); fetch failures, error statuses and
 * answers of the wrong shape become this module's errors, each naming the URL.
 */
import type { z } from 'zod';
import {
  type AcceptedResponse,
  acceptedResponseSchema,
  type DryRunResponse,
  dryRunResponseSchema,
  type ErrorResponse,
  errorResponseSchema,
  idempotentReplayedHeader,
  type MessageRecord,
  messageRecordSchema,
} from '../../core/openApi.js';
import type { SendRequestInput } from '../../core/sendRequest.js';
import { SendApiError, SendAuthError, SendNetworkError, SendUnexpectedAnswerError } from './errors.js';

/** A request about to go out, for a signer to add headers to (SigV4, an API key). */
export interface OutgoingRequest {
  method: string;
  url: URL;
  /** Lowercase names. */
  headers: Record<string, string>;
  body?: string;
}

/** Returns the headers to send: the request's own plus any the signer adds. */
export type RequestSigner = (request: OutgoingRequest) => Promise<Record<string, string>>;

export interface SendApiClientOptions {
  /** Ends in `/`: `http://localhost:3000/`, `https://…/v1/`. */
  baseUrl: string;
  /** @default no signing */
  signer?: RequestSigner;
  /** Abort one HTTP request after this. @default 30 s (API Gateway's own limit is 29 s) */
  requestTimeoutMs?: number;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

export type PostMessageAnswer =
  | { kind: 'accepted'; answer: AcceptedResponse; replayed: boolean; requestId: string | undefined }
  | { kind: 'dryRun'; answer: DryRunResponse; requestId: string | undefined };

const unsigned: RequestSigner = async (request) => request.headers;

export class SendApiClient {
  readonly #baseUrl: string;
  readonly #signer: RequestSigner;
  readonly #requestTimeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(options: SendApiClientOptions) {
    this.#baseUrl = options.baseUrl;
    this.#signer = options.signer ?? unsigned;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  async postMessage(request: SendRequestInput, options: { dryRun: boolean }): Promise<PostMessageAnswer> {
    const url = new URL('messages', this.#baseUrl);
    if (options.dryRun) url.searchParams.set('dryRun', 'true');
    const answer = await this.#call({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    const requestId = answer.headers.get('x-amzn-requestid') ?? undefined;
    if (options.dryRun) {
      return { kind: 'dryRun', answer: parseAnswer(dryRunResponseSchema, answer, url), requestId };
    }
    return {
      kind: 'accepted',
      answer: parseAnswer(acceptedResponseSchema, answer, url),
      replayed: answer.headers.get(idempotentReplayedHeader) === 'true',
      requestId,
    };
  }

  async getMessage(messageId: string): Promise<MessageRecord> {
    const url = new URL(`messages/${encodeURIComponent(messageId)}`, this.#baseUrl);
    return parseAnswer(messageRecordSchema, await this.#call({ method: 'GET', url, headers: {} }), url);
  }

  async #call(request: OutgoingRequest): Promise<HttpAnswer> {
    let headers: Record<string, string>;
    try {
      headers = await this.#signer(request);
    } catch (error) {
      throw new SendAuthError(
        `could not sign the request: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(request.url, {
        method: request.method,
        headers,
        ...(request.body === undefined ? {} : { body: request.body }),
        signal: AbortSignal.timeout(this.#requestTimeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw new SendNetworkError(request.url.toString(), networkErrorCode(error), { cause: error });
    }
    if (response.status >= 400) {
      throw new SendApiError(response.status, parseErrorBody(text), text, request.url.toString());
    }
    return { status: response.status, headers: response.headers, text };
  }
}

interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
}

function parseAnswer<T extends z.ZodType>(schema: T, answer: HttpAnswer, url: URL): z.output<T> {
  let json: unknown;
  try {
    json = JSON.parse(answer.text);
  } catch {
    throw new SendUnexpectedAnswerError(
      answer.status,
      url.toString(),
      `a body that is not JSON: ${JSON.stringify(answer.text.slice(0, 120))} (is --url the API's base URL?)`,
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new SendUnexpectedAnswerError(
      answer.status,
      url.toString(),
      `JSON that is not the API's answer: ${answer.text.slice(0, 200)}`,
    );
  }
  return parsed.data;
}

function parseErrorBody(text: string): ErrorResponse | undefined {
  try {
    const parsed = errorResponseSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** fetch wraps the socket error: `TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } })`. */
function networkErrorCode(error: unknown): string | undefined {
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return 'ETIMEDOUT';
  }
  const cause = (error as { cause?: unknown }).cause as
    | { code?: unknown; errors?: readonly { code?: unknown }[] }
    | undefined;
  const code = cause?.code ?? cause?.errors?.[0]?.code;
  return typeof code === 'string' ? code : undefined;
}
