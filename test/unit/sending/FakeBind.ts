/** A fake of the pool's bind port: answers submits from a script, emits status and late resps on demand. */
import { EventEmitter } from 'node:events';
import type { PoolBind } from '../../../worker/sending/BindPool.js';
import type { BindStatus, SmppBindEvents, SubmitSmOutcome } from '../../../worker/smpp/SmppBind.js';
import type { SubmitSmRequest } from '../../../worker/smpp/types.js';

export type Answer = SubmitSmOutcome | Error | Promise<SubmitSmOutcome>;

export class FakeBind extends EventEmitter<SmppBindEvents> implements PoolBind {
  readonly name: string;
  status: BindStatus = 'bound';
  inFlight = 0;
  queued = 0;
  /** The part of `queued` in the high lane. */
  queuedHigh = 0;
  submitsPerSecond = 50;
  readonly submitted: SubmitSmRequest[] = [];
  /** Answers in order; when empty, `fallback` answers. */
  readonly answers: Answer[] = [];
  fallback: (request: SubmitSmRequest, n: number) => Answer = (_r, n) => accepted(`${this.name}-${n}`);

  constructor(name: string) {
    super();
    this.name = name;
  }

  async submit(request: SubmitSmRequest): Promise<SubmitSmOutcome> {
    this.submitted.push(request);
    const answer = this.answers.shift() ?? this.fallback(request, this.submitted.length);
    if (answer instanceof Error) throw answer;
    return answer;
  }

  snapshot() {
    return {
      inFlight: this.inFlight,
      queued: this.queued,
      queuedHigh: this.queuedHigh,
      submitsPerSecond: this.submitsPerSecond,
    };
  }

  setStatus(to: BindStatus): void {
    const from = this.status;
    this.status = to;
    this.emit('status', { from, to, reason: 'test' });
  }
}

export function accepted(messageId: string): SubmitSmOutcome {
  return { accepted: true, messageId, throttledRetries: 0 };
}

export function refused(commandStatus: number, statusName: string, retryable: boolean): SubmitSmOutcome {
  return { accepted: false, commandStatus, statusName, retryable, throttledRetries: 0 };
}
