import { describe, expect, it } from 'vitest';
import type { AcceptedResponse, DryRunResponse, MessageRecord } from '../../../core/openApi.js';
import {
  SendApiError,
  SendAuthError,
  SendNetworkError,
  SendUnexpectedAnswerError,
  SendUsageError,
} from '../../../local/send/errors.js';
import { exitCodeForError, exitCodeForFinalState, sendExitCodes } from '../../../local/send/exitCodes.js';
import {
  acceptedJson,
  describeRecord,
  dryRunJson,
  errorJson,
  followOutcomeJson,
  formatAccepted,
  formatDryRun,
  formatElapsed,
  formatError,
  formatFollowOutcome,
  formatStateChange,
  stateChangeJson,
} from '../../../local/send/formatOutput.js';

const messageId = '6b0e6f1c-52a4-4c1f-9e3d-0a7b2c4d5e6f';
const accepted: AcceptedResponse = {
  messageId,
  status: 'accepted',
  encoding: 'GSM7',
  parts: 1,
  statusUrl: `http://localhost:3000/messages/${messageId}`,
};
const base: MessageRecord = {
  messageId,
  subAccount: 'demo',
  status: 'accepted',
  parts: [],
  totalParts: 1,
  createdAt: 0,
  updatedAt: 0,
};
const seenAt = Date.parse('2026-11-25T21:00:01.250Z');

describe('results', () => {
  it('prints the message id, encoding, parts and status URL of an accepted message', () => {
    expect(formatAccepted(accepted, false)).toBe(
      `accepted ${messageId} (GSM7, 1 part)\nstatus: http://localhost:3000/messages/${messageId}\n`,
    );
    expect(formatAccepted({ ...accepted, encoding: 'UCS2', parts: 3 }, false)).toContain('(UCS2, 3 parts)');
  });

  it('says when an idempotency key answered an earlier message and nothing was sent again', () => {
    expect(formatAccepted({ ...accepted, status: 'delivered' }, true)).toBe(
      `already sent with this idempotency key: message ${messageId} (GSM7, 1 part) is delivered; nothing sent again\n` +
        `status: http://localhost:3000/messages/${messageId}\n`,
    );
  });

  it('prints a dry run as encoding, parts, units and the sub-account’s limit', () => {
    const dryRun: DryRunResponse = {
      dryRun: true,
      subAccount: 'demo',
      encoding: 'UCS2',
      parts: 1,
      units: 19,
      maxParts: 10,
    };
    expect(formatDryRun(dryRun)).toBe(
      'valid (dry run, nothing sent): UCS2, 1 part (19 UTF-16 units; sub-account demo allows up to 10)\n',
    );
    expect(formatDryRun({ ...dryRun, encoding: 'GSM7', parts: 2, units: 200 })).toContain(
      'GSM7, 2 parts (200 GSM 7-bit characters;',
    );
  });

  it('writes one JSON object per line with an event name, for scripts', () => {
    expect(JSON.parse(acceptedJson(accepted, false))).toEqual({
      event: 'accepted',
      ...accepted,
      replayed: false,
    });
    expect(acceptedJson(accepted, false).endsWith('}\n')).toBe(true);
    const dryRun = {
      dryRun: true,
      subAccount: 'demo',
      encoding: 'GSM7',
      parts: 1,
      units: 5,
      maxParts: 10,
    } as const;
    expect(JSON.parse(dryRunJson(dryRun))).toEqual({ event: 'dryRun', ...dryRun });
  });
});

describe('following', () => {
  it('prints a state change with the time it was seen, the time since sending, and what the record adds', () => {
    const record: MessageRecord = {
      ...base,
      status: 'submitted',
      parts: [{ partNumber: 1, status: 'submitted', smscMessageId: '0a1b2c3d' }],
    };
    expect(
      formatStateChange({ status: 'submitted', previous: 'accepted', seenAt, elapsedMs: 1_250, record }),
    ).toBe(
      '2026-11-25T21:00:01.250Z  +1.3 s   submitted     1/1 part with the SMSC (id 0a1b2c3d); waiting for the receipt\n',
    );
    expect(
      formatStateChange({ status: 'accepted', previous: undefined, seenAt, elapsedMs: 0, record: base }),
    ).toBe('2026-11-25T21:00:01.250Z  +0.00 s  accepted\n');
  });

  it('names the receipt of a final state, and the error of a failure', () => {
    expect(
      describeRecord({
        ...base,
        status: 'undeliverable',
        errorCode: '001',
        parts: [
          { partNumber: 1, status: 'undeliverable', receiptStatus: 'UNDELIV', receiptErrorCode: '001' },
        ],
      }),
    ).toBe('receipt UNDELIV err 001');
    expect(
      describeRecord({
        ...base,
        status: 'rejected',
        errorCode: 'ESME_RINVDSTADR',
        errorDescription: 'Invalid destination address',
      }),
    ).toBe('ESME_RINVDSTADR; Invalid destination address');
    expect(
      describeRecord({
        ...base,
        status: 'failed',
        errorCode: 'VALIDATION',
        validationErrors: [{ field: 'to', message: 'must start with +' }],
      }),
    ).toBe('VALIDATION; to: must start with +');
    expect(
      describeRecord({ ...base, status: 'submitting', inDoubt: true, inDoubtReasons: ['worker-1 died'] }),
    ).toBe('in doubt (worker-1 died)');
  });

  it('summarises the outcome: delivered, not delivered, or timed out with the last state', () => {
    const delivered = {
      kind: 'final',
      status: 'delivered',
      record: { ...base, status: 'delivered' },
      elapsedMs: 1_200,
    } as const;
    expect(formatFollowOutcome(delivered, 60_000)).toBe('delivered after 1.2 s\n');
    expect(
      formatFollowOutcome(
        { ...delivered, status: 'undeliverable', record: { ...base, status: 'undeliverable' } },
        60_000,
      ),
    ).toBe('not delivered: undeliverable after 1.2 s\n');
    expect(
      formatFollowOutcome(
        { kind: 'timeout', record: { ...base, status: 'submitted' }, elapsedMs: 95_000 },
        95_000,
      ),
    ).toMatch(/^timed out after 1m35s without a final state: still submitted/);
  });

  it('writes state changes and the outcome as JSON lines with the exit code', () => {
    const change = JSON.parse(
      stateChangeJson({ status: 'accepted', previous: undefined, seenAt, elapsedMs: 0, record: base }),
    );
    expect(change).toMatchObject({
      event: 'state',
      messageId,
      status: 'accepted',
      previous: null,
      at: '2026-11-25T21:00:01.250Z',
    });
    expect(
      JSON.parse(
        followOutcomeJson({
          kind: 'final',
          status: 'rejected',
          record: { ...base, status: 'rejected' },
          elapsedMs: 5,
        }),
      ),
    ).toEqual({ event: 'final', messageId, status: 'rejected', elapsedMs: 5, exitCode: 1 });
    expect(JSON.parse(followOutcomeJson({ kind: 'timeout', record: undefined, elapsedMs: 5 }))).toEqual({
      event: 'timeout',
      messageId: null,
      status: null,
      elapsedMs: 5,
      exitCode: 3,
    });
  });

  it('formats elapsed times for people', () => {
    expect(formatElapsed(250)).toBe('0.25 s');
    expect(formatElapsed(1_234)).toBe('1.2 s');
    expect(formatElapsed(95_000)).toBe('1m35s');
  });
});

describe('errors', () => {
  const url = 'http://localhost:3000/messages';

  it('lists the API’s field errors verbatim, one a line, with the request id', () => {
    const error = new SendApiError(
      400,
      {
        error: 'The send request is invalid: 2 problems, listed in errors',
        code: 'invalid_request',
        errors: [
          { field: 'to', message: 'must start with + and the country code (E.164), e.g. "+6591234567"' },
          { field: 'subAccount', message: 'no sub-account "nope" in the fleet config' },
        ],
        requestId: 'req-1',
      },
      '{}',
      url,
    );
    expect(formatError(error)).toBe(
      'send: the API refused the request (400 invalid_request): The send request is invalid: 2 problems, listed in errors\n' +
        '  to: must start with + and the country code (E.164), e.g. "+6591234567"\n' +
        '  subAccount: no sub-account "nope" in the fleet config\n' +
        '  request id: req-1\n',
    );
    expect(exitCodeForError(error)).toBe(sendExitCodes.usage);
    expect(JSON.parse(errorJson(error))).toMatchObject({
      event: 'error',
      exitCode: 2,
      status: 400,
      code: 'invalid_request',
      errors: [{ field: 'to' }, { field: 'subAccount' }],
    });
  });

  it('points the stack’s own 403 (the API’s error shape) at the two ways to authenticate', () => {
    const error = new SendApiError(
      403,
      {
        error: 'No credentials, or no such route: sign requests with SigV4; routes are POST /messages, …',
        code: 'not_found',
        requestId: 'req-2',
      },
      '{}',
      'https://abc123.execute-api.eu-west-1.amazonaws.com/v1/messages',
    );
    expect(formatError(error)).toBe(
      'send: the API refused the request (403 not_found): No credentials, or no such route: sign requests with SigV4; routes are POST /messages, …\n' +
        '  A deployed stack authorizes every request: use --sigv4 (IAM, the default) with credentials whose role or user has ApiCallerPolicyArn attached, or --api-key (api-key mode).\n' +
        '  request id: req-2\n',
    );
  });

  it('points a bare 403 from API Gateway at the two ways to authenticate', () => {
    const error = new SendApiError(403, undefined, '{"message":"Missing Authentication Token"}', url);
    expect(formatError(error)).toMatch(
      /^send: the API refused the request \(403\): Missing Authentication Token\n.*use --sigv4 .* or --api-key/s,
    );
  });

  it('says a retryable 5xx is safe to retry and exits with the unavailable code', () => {
    const error = new SendApiError(
      503,
      { error: 'The queue is unavailable', code: 'queue_unavailable', retryable: true },
      '{}',
      url,
    );
    expect(formatError(error)).toContain(
      'send: the API failed (503 queue_unavailable): The queue is unavailable\n',
    );
    expect(formatError(error)).toContain('safe to retry');
    expect(exitCodeForError(error)).toBe(sendExitCodes.unavailable);
  });

  it('asks whether npm start is running when nothing listens on a local URL', () => {
    expect(formatError(new SendNetworkError(url, 'ECONNREFUSED'))).toBe(
      'send: could not reach http://localhost:3000/messages (ECONNREFUSED): nothing is listening there. ' +
        'Is `npm start` running? Start it in another terminal (or give --url).\n',
    );
    expect(formatError(new SendNetworkError('http://127.0.0.1:3000/messages', 'ECONNRESET'))).toContain(
      'is `npm start` running, and on this port (PORT)?',
    );
  });

  it('names the URL of a remote API that cannot be reached', () => {
    const error = new SendNetworkError('https://nope.example.com/v1/messages', 'ENOTFOUND');
    expect(formatError(error)).toBe(
      'send: could not reach https://nope.example.com/v1/messages (ENOTFOUND): no such host: check --url.\n',
    );
    expect(exitCodeForError(error)).toBe(sendExitCodes.unavailable);
  });

  it('asks about --url when the answer is not the API’s', () => {
    expect(
      formatError(new SendUnexpectedAnswerError(200, url, 'a body that is not JSON: "<html>"')),
    ).toContain("Is --url the API's base URL");
  });

  it('tells how to give credentials when SigV4 has none', () => {
    const error = new SendAuthError(
      'could not sign the request: Could not load credentials from any providers',
    );
    expect(formatError(error)).toContain('AWS_PROFILE');
    expect(exitCodeForError(error)).toBe(sendExitCodes.usage);
  });

  it('points usage errors at --help', () => {
    expect(formatError(new SendUsageError('missing --to <number>'))).toBe(
      'send: missing --to <number>\nRun with --help for usage.\n',
    );
  });
});

describe('exit codes', () => {
  it('is 0 only for delivered among final states', () => {
    expect(exitCodeForFinalState('delivered')).toBe(0);
    for (const state of ['undeliverable', 'expired', 'rejected', 'failed', 'unknown'] as const) {
      expect(exitCodeForFinalState(state)).toBe(sendExitCodes.notDelivered);
    }
  });

  it('treats 429 and a retryable 409 as worth retrying, other 4xx as the caller’s to fix', () => {
    expect(exitCodeForError(new SendApiError(429, undefined, '', 'u'))).toBe(sendExitCodes.unavailable);
    expect(
      exitCodeForError(
        new SendApiError(
          409,
          { error: 'in progress', code: 'idempotency_request_in_progress', retryable: true },
          '',
          'u',
        ),
      ),
    ).toBe(sendExitCodes.unavailable);
    expect(
      exitCodeForError(new SendApiError(409, { error: 'reused', code: 'idempotency_key_reused' }, '', 'u')),
    ).toBe(sendExitCodes.usage);
  });
});
