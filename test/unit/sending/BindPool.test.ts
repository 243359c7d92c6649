import { afterEach, describe, expect, it, vi } from 'vitest';
import { BindPool } from '../../../worker/sending/BindPool.js';
import {
  SmppConnectionClosedError,
  SmppNotBoundError,
  SmppResponseTimeoutError,
} from '../../../worker/smpp/errors.js';
import type { SmppBind } from '../../../worker/smpp/SmppBind.js';
import type { SubmitSmRequest } from '../../../worker/smpp/types.js';
import { accepted, FakeBind, refused } from './FakeBind.js';

const part: SubmitSmRequest = {
  sourceAddr: 'ACME',
  sourceAddrTon: 5,
  sourceAddrNpi: 0,
  destinationAddr: '6591234567',
  destAddrTon: 1,
  destAddrNpi: 1,
  esmClass: 0,
  dataCoding: 0,
  shortMessage: Buffer.from('hi'),
  registeredDelivery: 1,
};

afterEach(() => {
  vi.useRealTimers();
});

describe('BindPool', () => {
  it('accepts a real SmppBind (type check)', () => {
    const addBind = (pool: BindPool, bind: SmppBind) => pool.add(bind);
    expect(addBind).toBeTypeOf('function');
  });

  it('sends each part to the least-loaded bound bind', async () => {
    const pool = new BindPool({ subAccount: 'acme' });
    const busy = new FakeBind('busy');
    busy.queued = 20;
    const idle = new FakeBind('idle');
    const down = new FakeBind('down');
    down.status = 'connecting';
    for (const bind of [busy, idle, down]) pool.add(bind);
    expect(await pool.submit(part)).toMatchObject({ kind: 'accepted', bind: 'idle' });
    expect(pool.boundCount).toBe(2);
    expect(pool.capacityPerSecond()).toBe(100);
  });

  it('sends a high part to the bind with the fewest high parts queued, whatever normal backlog it holds', async () => {
    const pool = new BindPool({ subAccount: 'acme' });
    // "bulk" holds a normal backlog but no high parts; "otp" holds less in all, but 5 high parts.
    const bulk = new FakeBind('bulk');
    bulk.queued = 400;
    const otp = new FakeBind('otp');
    otp.queued = 5;
    otp.queuedHigh = 5;
    pool.add(bulk);
    pool.add(otp);
    expect(await pool.submit({ ...part, lane: 'high' })).toMatchObject({ kind: 'accepted', bind: 'bulk' });
    expect(await pool.submit({ ...part, lane: 'normal' })).toMatchObject({ kind: 'accepted', bind: 'otp' });
    expect(await pool.submit(part)).toMatchObject({ kind: 'accepted', bind: 'otp' });
  });

  it('weighs high parts queued by each bind rate, and breaks a tie in high load by total load', async () => {
    const pool = new BindPool({ subAccount: 'acme' });
    const slow = new FakeBind('slow');
    slow.queuedHigh = slow.queued = 10;
    slow.submitsPerSecond = 10;
    const fast = new FakeBind('fast');
    fast.queuedHigh = fast.queued = 40;
    fast.submitsPerSecond = 100;
    pool.add(slow);
    pool.add(fast);
    expect(await pool.submit({ ...part, lane: 'high' })).toMatchObject({ bind: 'fast' });
    const [busy, idle] = [new FakeBind('busy'), new FakeBind('idle')];
    busy.queued = 30;
    const tiePool = new BindPool({ subAccount: 'acme' });
    tiePool.add(busy);
    tiePool.add(idle);
    expect(await tiePool.submit({ ...part, lane: 'high' })).toMatchObject({ bind: 'idle' });
  });

  it('moves a part to another bind when the first turns out not to be bound', async () => {
    const pool = new BindPool({ subAccount: 'acme' });
    const first = new FakeBind('first');
    first.answers.push(new SmppNotBoundError({ status: 'closed' }));
    const second = new FakeBind('second');
    second.queued = 1;
    second.answers.push(accepted('x'));
    pool.add(first);
    pool.add(second);
    expect(await pool.submit(part)).toEqual({ kind: 'accepted', smscMessageId: 'x', bind: 'second' });
    const notWritten = new SmppConnectionClosedError({
      command: 'submit_sm',
      reason: 'reset',
      written: false,
    });
    first.answers.push(notWritten);
    second.answers.push(accepted('y'));
    expect(await pool.submit(part)).toMatchObject({ kind: 'accepted', smscMessageId: 'y' });
  });

  it('says no-bind when no bind is bound, and when every bind refused to take the part', async () => {
    const pool = new BindPool({ subAccount: 'acme' });
    expect(await pool.submit(part)).toEqual({ kind: 'no-bind' });
    const only = new FakeBind('only');
    only.answers.push(new SmppNotBoundError({ status: 'stopping' }));
    pool.add(only);
    expect(await pool.submit(part)).toEqual({ kind: 'no-bind' });
  });

  it('passes refusals through with their retry class', async () => {
    const pool = new BindPool({ subAccount: 'acme' });
    const bind = new FakeBind('b');
    bind.answers.push(refused(0x14, 'ESME_RMSGQFUL', true));
    pool.add(bind);
    expect(await pool.submit(part)).toMatchObject({
      kind: 'refused',
      statusName: 'ESME_RMSGQFUL',
      retryable: true,
    });
  });

  it('reports a timed-out submit in doubt and resolves the doubt with a late resp of the same sequence', async () => {
    const pool = new BindPool({ subAccount: 'acme' });
    const bind = new FakeBind('b');
    bind.answers.push(
      new SmppResponseTimeoutError({ command: 'submit_sm', sequenceNumber: 7, timeoutMs: 100 }),
    );
    pool.add(bind);
    const result = await pool.submit(part);
    if (result.kind !== 'in-doubt') throw new Error('expected in doubt');
    expect(result.reason).toContain('sequence 7');
    bind.emit('lateSubmitResponse', { sequenceNumber: 8, commandStatus: 0, messageId: 'other' });
    bind.emit('lateSubmitResponse', { sequenceNumber: 7, commandStatus: 0, messageId: 'late-id' });
    expect(await result.lateResponse).toEqual({ accepted: true, messageId: 'late-id', throttledRetries: 0 });
  });

  it('gives up on a late resp when the bind closes or the window passes', async () => {
    vi.useFakeTimers();
    const pool = new BindPool({ subAccount: 'acme', lateResponseWindowMs: 1_000 });
    const bind = new FakeBind('b');
    bind.fallback = () =>
      new SmppResponseTimeoutError({ command: 'submit_sm', sequenceNumber: 1, timeoutMs: 100 });
    pool.add(bind);
    const first = await pool.submit(part);
    if (first.kind !== 'in-doubt') throw new Error('expected in doubt');
    bind.setStatus('closed');
    expect(await first.lateResponse).toBeUndefined();

    bind.setStatus('bound');
    const second = await pool.submit(part);
    if (second.kind !== 'in-doubt') throw new Error('expected in doubt');
    vi.advanceTimersByTime(1_000);
    expect(await second.lateResponse).toBeUndefined();
  });

  it('treats a written submit on a closed connection as in doubt with no late resp to wait for', async () => {
    const pool = new BindPool({ subAccount: 'acme' });
    const bind = new FakeBind('b');
    bind.answers.push(
      new SmppConnectionClosedError({ command: 'submit_sm', reason: 'reset', written: true }),
    );
    pool.add(bind);
    const result = await pool.submit(part);
    expect(result).toMatchObject({ kind: 'in-doubt', bind: 'b' });
    if (result.kind === 'in-doubt') expect(await result.lateResponse).toBeUndefined();
  });

  it('stops using a removed bind and tells listeners', () => {
    const pool = new BindPool({ subAccount: 'acme' });
    const changes: number[] = [];
    pool.on('change', (info) => changes.push(info.total));
    const bind = new FakeBind('b');
    pool.add(bind);
    pool.add(bind);
    pool.remove(bind);
    expect(changes).toEqual([1, 0]);
    expect(bind.listenerCount('status')).toBe(0);
  });
});
