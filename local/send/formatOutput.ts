/**
 * What `npm run send` prints, as pure functions of what happened: lines for people (stdout for results,
 * stderr for problems) and, with --json, one JSON object per line with an `event` field.
 */
import type { AcceptedResponse, DryRunResponse, MessageRecord } from '../../core/openApi.js';
import {
  SendApiError,
  SendAuthError,
  SendNetworkError,
  SendUnexpectedAnswerError,
  SendUsageError,
} from './errors.js';
import { exitCodeForError, exitCodeForFinalState, sendExitCodes } from './exitCodes.js';
import type { FollowOutcome, StateChange } from './followMessage.js';

export function jsonLine(value: Record<string, unknown>): string {
  return `${JSON.stringify(value)}\n`;
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** `1234` → `1.2 s`, `250` → `0.25 s`, `95000` → `1m35s`. */
export function formatElapsed(ms: number): string {
  if (ms < 1_000) return `${(ms / 1_000).toFixed(2)} s`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1_000);
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

export function formatAccepted(answer: AcceptedResponse, replayed: boolean): string {
  const what = `${answer.encoding}, ${plural(answer.parts, 'part')}`;
  const head = replayed
    ? `already sent with this idempotency key: message ${answer.messageId} (${what}) is ${answer.status}; nothing sent again`
    : `${answer.status} ${answer.messageId} (${what})`;
  return `${head}\nstatus: ${answer.statusUrl}\n`;
}

export function acceptedJson(answer: AcceptedResponse, replayed: boolean): string {
  return jsonLine({ event: 'accepted', ...answer, replayed });
}

export function formatDryRun(answer: DryRunResponse): string {
  const units = answer.encoding === 'GSM7' ? 'GSM 7-bit characters' : 'UTF-16 units';
  return (
    `valid (dry run, nothing sent): ${answer.encoding}, ${plural(answer.parts, 'part')} ` +
    `(${answer.units} ${units}; sub-account ${answer.subAccount} allows up to ${answer.maxParts})\n`
  );
}

export function dryRunJson(answer: DryRunResponse): string {
  return jsonLine({ event: 'dryRun', ...answer });
}

/** What the record adds to its state, for people: the SMSC ids, the receipt, the error. */
export function describeRecord(record: MessageRecord): string {
  const details: string[] = [];
  const parts = record.parts;
  const total = record.totalParts ?? parts.length;
  if (record.status === 'submitting' || record.status === 'submitted') {
    const withIds = parts.filter((part) => part.smscMessageId !== undefined);
    if (withIds.length > 0) {
      details.push(
        `${withIds.length}/${total} ${total === 1 ? 'part' : 'parts'} with the SMSC ` +
          `(id ${withIds.map((part) => part.smscMessageId).join(', ')})`,
      );
    }
    if (record.status === 'submitted' && record.registeredDelivery !== false) {
      details.push('waiting for the receipt');
    }
  }
  const receipts = [
    ...new Set(
      parts
        .filter((part) => part.receiptStatus !== undefined)
        .map(
          (part) =>
            part.receiptStatus + (part.receiptErrorCode === undefined ? '' : ` err ${part.receiptErrorCode}`),
        ),
    ),
  ];
  if (receipts.length > 0) details.push(`receipt ${receipts.join(', ')}`);
  if (
    record.errorCode !== undefined &&
    !receipts.some((receipt) => receipt.includes(record.errorCode ?? ''))
  ) {
    details.push(record.errorCode);
  }
  if (record.errorDescription !== undefined) details.push(record.errorDescription);
  for (const error of record.validationErrors ?? []) details.push(`${error.field}: ${error.message}`);
  if (record.inDoubt === true) {
    details.push(
      `in doubt${record.inDoubtReasons === undefined ? '' : ` (${record.inDoubtReasons.join('; ')})`}`,
    );
  }
  return details.join('; ');
}

export function formatStateChange(change: StateChange): string {
  const details = describeRecord(change.record);
  return (
    `${new Date(change.seenAt).toISOString()}  +${formatElapsed(change.elapsedMs).padEnd(7)} ` +
    `${change.status.padEnd(13)}${details === '' ? '' : ` ${details}`}`.trimEnd() +
    '\n'
  );
}

export function stateChangeJson(change: StateChange): string {
  return jsonLine({
    event: 'state',
    messageId: change.record.messageId,
    status: change.status,
    previous: change.previous ?? null,
    at: new Date(change.seenAt).toISOString(),
    elapsedMs: change.elapsedMs,
    record: change.record,
  });
}

export function formatFollowOutcome(outcome: FollowOutcome, timeoutMs: number): string {
  if (outcome.kind === 'final') {
    return outcome.status === 'delivered'
      ? `delivered after ${formatElapsed(outcome.elapsedMs)}\n`
      : `not delivered: ${outcome.status} after ${formatElapsed(outcome.elapsedMs)}\n`;
  }
  const last = outcome.record?.status;
  return (
    `timed out after ${formatElapsed(timeoutMs)} without a final state` +
    `${last === undefined ? '' : `: still ${last}`} (the message is not cancelled; follow it again ` +
    'with GET on its status URL)\n'
  );
}

export function followOutcomeJson(outcome: FollowOutcome): string {
  return jsonLine({
    event: outcome.kind,
    messageId: outcome.record?.messageId ?? null,
    status: outcome.kind === 'final' ? outcome.status : (outcome.record?.status ?? null),
    elapsedMs: outcome.elapsedMs,
    exitCode: outcome.kind === 'final' ? exitCodeForFinalState(outcome.status) : sendExitCodes.timedOut,
  });
}

const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export function isLoopbackUrl(url: string): boolean {
  try {
    return loopbackHosts.has(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** An error as lines for stderr, each starting `send:`; the API's field errors verbatim, one a line. */
export function formatError(error: unknown): string {
  if (error instanceof SendUsageError) return `send: ${error.message}\nRun with --help for usage.\n`;
  if (error instanceof SendNetworkError) return `send: ${error.message}: ${networkHint(error)}\n`;
  if (error instanceof SendUnexpectedAnswerError) {
    return `send: ${error.message}\n      Is --url the API's base URL, with the stage (…/v1/)?\n`;
  }
  if (error instanceof SendApiError) return formatApiError(error);
  if (error instanceof SendAuthError) {
    return (
      `send: ${error.message}\n      --sigv4 takes credentials from the AWS SDK's default chain: ` +
      'AWS_PROFILE (after aws sso login), AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or a role.\n'
    );
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return `send: unexpected error: ${message}\n`;
}

function networkHint(error: SendNetworkError): string {
  if (isLoopbackUrl(error.url)) {
    return error.code === 'ECONNREFUSED'
      ? 'nothing is listening there. Is `npm start` running? Start it in another terminal (or give --url).'
      : 'is `npm start` running, and on this port (PORT)?';
  }
  if (error.code === 'ENOTFOUND') return 'no such host: check --url.';
  if (error.code === 'ETIMEDOUT') return 'no answer in time: check --url and the network, then try again.';
  return 'check --url and the network, then try again.';
}

function formatApiError(error: SendApiError): string {
  const { body, status } = error;
  const gatewayMessage = body === undefined ? gatewayMessageOf(error.text) : undefined;
  const summary =
    body?.error ?? gatewayMessage ?? (error.text.trim() === '' ? '(empty body)' : error.text.slice(0, 200));
  const verb = status >= 500 ? 'the API failed' : 'the API refused the request';
  const lines = [`send: ${verb} (${status}${body === undefined ? '' : ` ${body.code}`}): ${summary}`];
  for (const fieldError of body?.errors ?? []) lines.push(`  ${fieldError.field}: ${fieldError.message}`);
  if (body?.messageId !== undefined) lines.push(`  message: ${body.messageId}`);
  if (status === 403) {
    lines.push(
      '  A deployed stack authorizes every request: use --sigv4 (IAM, the default) with credentials whose ' +
        'role or user has ApiCallerPolicyArn attached, or --api-key (api-key mode).',
    );
  }
  if (body?.retryable === true) {
    lines.push('  This is safe to retry (with the same --idempotency-key, it never sends twice).');
  }
  if (body?.requestId !== undefined) lines.push(`  request id: ${body.requestId}`);
  return `${lines.join('\n')}\n`;
}

/** API Gateway's own answers (IAM 403s, throttling 429s) are `{"message": "…"}`. */
function gatewayMessageOf(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as { message?: unknown; Message?: unknown } | null;
    const message = parsed?.message ?? parsed?.Message;
    return typeof message === 'string' ? message : undefined;
  } catch {
    return undefined;
  }
}

export function errorJson(error: unknown): string {
  const base = { event: 'error', exitCode: exitCodeForError(error) };
  if (error instanceof SendApiError) {
    return jsonLine({
      ...base,
      status: error.status,
      ...(error.body ?? { error: gatewayMessageOf(error.text) ?? error.text.slice(0, 200) }),
      url: error.url,
    });
  }
  if (error instanceof SendNetworkError) {
    return jsonLine({ ...base, error: error.message, code: error.code ?? null, url: error.url });
  }
  return jsonLine({ ...base, error: error instanceof Error ? error.message : String(error) });
}
