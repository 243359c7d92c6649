import { describe, expect, it } from 'vitest';
import type { InDoubtPolicy } from '../../../core/fleetConfig.js';
import { BindPool } from '../../../worker/sending/BindPool.js';
import { submitPart } from '../../../worker/sending/submitPart.js';
import { SmppResponseTimeoutError } from '../../../worker/smpp/errors.js';
import type { SubmitSmOutcome } from '../../../worker/smpp/SmppBind.js';
import type { SubmitSmRequest } from '../../../worker/smpp/types.js';
import { accepted, FakeBind, refused } from './FakeBind.js';

const request = { shortMessage: Buffer.from('x') } as SubmitSmRequest;

function setUp(
  policy: InDoubtPolicy = 'at-least-once',
  overrides: Partial<Parameters<typeof submitPart>[0]> = {},
) {
  const pool = new BindPool({ subAccount: 'acme' });
  const bind = new FakeBind('b');
  pool.add(bind);
  const late: SubmitSmOutcome[] = [];
  const controller = new AbortController();
  const run = () =>
    submitPart({
      pool,
      request,
      normalise: (id) => id.toLowerCase(),
      inDoubtPolicy: policy,
      maxAttempts: 3,
      backoff: () => 1,
      lateResponseGraceMs: 20,
      deadlineAt: Number.POSITIVE_INFINITY,
      now: Date.now,
      signal: controller.signal,
      onLateResponse: (outcome) => late.push(outcome),
      ...overrides,
    });
  return { bind, late, controller, run };
}

const timeout = (sequenceNumber: number) =>
  new SmppResponseTimeoutError({ command: 'submit_sm', sequenceNumber, timeoutMs: 10 });

describe('submitPart', () => {
  it('returns the accepted id, normalised for correlation', async () => {
    const { bind, run } = setUp();
    bind.answers.push(accepted('ABC'));
    expect(await run()).toEqual({
      kind: 'accepted',
      smscMessageId: 'ABC',
      normalisedSmscMessageId: 'abc',
      attempts: 1,
    });
  });

  it('retries a retryable refusal with backoff and then succeeds', async () => {
    const { bind, run } = setUp();
    bind.answers.push(
      refused(0x14, 'ESME_RMSGQFUL', true),
      refused(0x08, 'ESME_RSYSERR', true),
      accepted('x'),
    );
    expect(await run()).toMatchObject({ kind: 'accepted', attempts: 3 });
  });

  it('stops at maxAttempts and leaves the part unsent with the last status', async () => {
    const { bind, run } = setUp();
    bind.fallback = () => refused(0x14, 'ESME_RMSGQFUL', true);
    expect(await run()).toEqual({
      kind: 'unsent',
      cause: 'retries-exhausted',
      attempts: 3,
      lastStatus: { commandStatus: 0x14, statusName: 'ESME_RMSGQFUL' },
    });
    expect(bind.submitted).toHaveLength(3);
  });

  it('does not retry a final refusal', async () => {
    const { bind, run } = setUp();
    bind.answers.push(refused(0x0b, 'ESME_RINVDSTADR', false));
    expect(await run()).toEqual({
      kind: 'refused',
      commandStatus: 0x0b,
      statusName: 'ESME_RINVDSTADR',
      attempts: 1,
    });
  });

  it('sends an unanswered part again under at-least-once, and says so', async () => {
    const { bind, run } = setUp('at-least-once');
    bind.answers.push(timeout(1), accepted('second'));
    const outcome = await run();
    expect(outcome).toMatchObject({ kind: 'accepted', smscMessageId: 'second', attempts: 2 });
    expect(outcome.kind === 'accepted' && outcome.doubt).toMatch(/sequence 1.*sent again \(at-least-once\)/);
  });

  it('does not send an unanswered part again under at-most-once: unknown, with the reason', async () => {
    const { bind, run } = setUp('at-most-once');
    bind.answers.push(timeout(1));
    const outcome = await run();
    expect(outcome).toMatchObject({ kind: 'unknown', attempts: 1 });
    expect(outcome.kind === 'unknown' && outcome.doubt).toMatch(/not sent again \(at-most-once\)/);
    expect(bind.submitted).toHaveLength(1);
  });

  it('takes a late resp within the grace period as the answer, without sending again', async () => {
    const { bind, run } = setUp('at-least-once', { lateResponseGraceMs: 1_000 });
    bind.answers.push(timeout(5));
    const outcome = run();
    setTimeout(
      () => bind.emit('lateSubmitResponse', { sequenceNumber: 5, commandStatus: 0, messageId: 'late' }),
      10,
    );
    expect(await outcome).toEqual({
      kind: 'accepted',
      smscMessageId: 'late',
      normalisedSmscMessageId: 'late',
      attempts: 1,
    });
    expect(bind.submitted).toHaveLength(1);
  });

  it('hands a late resp after the grace period to onLateResponse', async () => {
    const { bind, run, late } = setUp('at-least-once', { lateResponseGraceMs: 5 });
    bind.answers.push(timeout(9), accepted('resent'));
    await run();
    bind.emit('lateSubmitResponse', { sequenceNumber: 9, commandStatus: 0, messageId: 'first' });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(late).toEqual([{ accepted: true, messageId: 'first', throttledRetries: 0 }]);
  });

  it('stops retrying when the worker stops', async () => {
    const { bind, run, controller } = setUp('at-least-once', { backoff: () => 60_000 });
    bind.answers.push(refused(0x14, 'ESME_RMSGQFUL', true));
    const outcome = run();
    setTimeout(() => controller.abort(), 10);
    expect(await outcome).toMatchObject({ kind: 'unsent', cause: 'stopping', attempts: 1 });
  });

  it('leaves the part unsent when no bind is up', async () => {
    const { bind, run } = setUp();
    bind.status = 'closed';
    expect(await run()).toEqual({ kind: 'unsent', cause: 'no-bind', attempts: 0 });
  });
});
