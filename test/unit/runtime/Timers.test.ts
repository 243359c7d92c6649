import { describe, expect, it } from 'vitest';
import { sleepUnlessAborted } from '../../../worker/runtime/sleepUnlessAborted.js';
import type { Timers } from '../../../worker/runtime/Timers.js';
import { BindPool } from '../../../worker/sending/BindPool.js';
import { submitPart } from '../../../worker/sending/submitPart.js';
import { SmppResponseTimeoutError } from '../../../worker/smpp/errors.js';
import type { SubmitSmRequest } from '../../../worker/smpp/types.js';
import { FakeBind } from '../sending/FakeBind.js';

/** Timers that fire only when told, in due order. */
class ManualTimers implements Timers {
  readonly pending = new Map<number, { dueMs: number; callback: () => void }>();
  #next = 0;

  setTimeout(callback: () => void, ms: number): unknown {
    this.#next += 1;
    this.pending.set(this.#next, { dueMs: ms, callback });
    return this.#next;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  fireAll(): void {
    const due = [...this.pending.entries()].sort(([, a], [, b]) => a.dueMs - b.dueMs);
    this.pending.clear();
    for (const [, timer] of due) timer.callback();
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('injected timers', () => {
  it('sleepUnlessAborted waits on the injected timers, and an abort ends the wait and clears its timer', async () => {
    const timers = new ManualTimers();
    let woke = false;
    const sleep = sleepUnlessAborted(60_000, new AbortController().signal, timers).then(() => {
      woke = true;
    });
    await settle();
    expect(woke).toBe(false);
    expect([...timers.pending.values()].map((t) => t.dueMs)).toEqual([60_000]);
    timers.fireAll();
    await sleep;
    expect(woke).toBe(true);

    const controller = new AbortController();
    const cut = sleepUnlessAborted(60_000, controller.signal, timers);
    controller.abort();
    await cut;
    expect(timers.pending.size).toBe(0);
  });

  it("submitPart's grace and BindPool's late-response window run on the injected timers", async () => {
    const timers = new ManualTimers();
    const pool = new BindPool({ subAccount: 'acme', lateResponseWindowMs: 600_000, timers });
    const bind = new FakeBind('b');
    pool.add(bind);
    bind.answers.push(
      new SmppResponseTimeoutError({ command: 'submit_sm', sequenceNumber: 1, timeoutMs: 10 }),
    );
    const outcome = submitPart({
      pool,
      request: { shortMessage: Buffer.from('x') } as SubmitSmRequest,
      normalise: (id) => id,
      inDoubtPolicy: 'at-most-once',
      maxAttempts: 3,
      backoff: () => 1,
      lateResponseGraceMs: 300_000,
      deadlineAt: Number.POSITIVE_INFINITY,
      now: Date.now,
      signal: new AbortController().signal,
      onLateResponse: () => {},
      timers,
    });
    await settle();
    // The pool's window and the part's grace, both waiting on the fake: nothing has moved in real time.
    expect([...timers.pending.values()].map((t) => t.dueMs).sort()).toEqual([300_000, 600_000]);
    timers.fireAll();
    expect(await outcome).toMatchObject({ kind: 'unknown', attempts: 1 });
  });
});
