import type { PoolBind } from '../sending/BindPool.js';
import { SmppNotBoundError } from '../smpp/errors.js';
import type { SmppBind, SmppBindEvents, SubmitSmOutcome } from '../smpp/SmppBind.js';
import type { SubmitSmRequest } from '../smpp/types.js';

/**
 * A bind as the sending pool sees it: a part goes out only while this worker still holds the bind's lease
 * (`holds` checks the local deadline), so a process that was paused past its lease cannot submit on a slot
 * another worker may already have bound. A refused part was never written, so it is not in doubt.
 */
export class LeaseGuardedBind implements PoolBind {
  readonly #bind: SmppBind;
  readonly #holdsLease: () => boolean;
  readonly #onAccepted: (() => void) | undefined;

  /** `onAccepted`: told of every part the SMSC answered OK (the per-second counts of the status page). */
  constructor(bind: SmppBind, holdsLease: () => boolean, onAccepted?: () => void) {
    this.#bind = bind;
    this.#holdsLease = holdsLease;
    this.#onAccepted = onAccepted;
  }

  get name(): string {
    return this.#bind.name;
  }

  get status() {
    return this.#bind.status;
  }

  submit(request: SubmitSmRequest): Promise<SubmitSmOutcome> {
    if (!this.#holdsLease()) return Promise.reject(new SmppNotBoundError({ status: 'lease no longer held' }));
    const outcome = this.#bind.submit(request);
    const onAccepted = this.#onAccepted;
    if (onAccepted === undefined) return outcome;
    return outcome.then((result) => {
      if (result.accepted) onAccepted();
      return result;
    });
  }

  snapshot() {
    return this.#bind.snapshot();
  }

  on<E extends 'status' | 'lateSubmitResponse'>(
    event: E,
    listener: (...args: SmppBindEvents[E]) => void,
  ): this {
    (this.#bind.on as (e: E, l: (...args: SmppBindEvents[E]) => void) => unknown)(event, listener);
    return this;
  }

  off<E extends 'status' | 'lateSubmitResponse'>(
    event: E,
    listener: (...args: SmppBindEvents[E]) => void,
  ): this {
    (this.#bind.off as (e: E, l: (...args: SmppBindEvents[E]) => void) => unknown)(event, listener);
    return this;
  }
}
