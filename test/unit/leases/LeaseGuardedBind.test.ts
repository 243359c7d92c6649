import { describe, expect, it } from 'vitest';
import { LeaseGuardedBind } from '../../../worker/leases/LeaseGuardedBind.js';
import { SmppNotBoundError } from '../../../worker/smpp/errors.js';
import type { SmppBind, SubmitSmOutcome } from '../../../worker/smpp/SmppBind.js';
import type { SubmitSmRequest } from '../../../worker/smpp/types.js';

/** A bind that answers each submit with the next outcome given. */
function fakeBind(outcomes: SubmitSmOutcome[]): { bind: SmppBind; submits: () => number } {
  let submits = 0;
  const bind = {
    submit: async () => {
      submits += 1;
      const outcome = outcomes.shift();
      if (outcome === undefined) throw new Error('no outcome left');
      return outcome;
    },
  } as unknown as SmppBind;
  return { bind, submits: () => submits };
}

const request = {} as SubmitSmRequest;
const accepted: SubmitSmOutcome = { accepted: true, messageId: 'a1', throttledRetries: 0 };
const refused: SubmitSmOutcome = {
  accepted: false,
  commandStatus: 0x0b,
  statusName: 'ESME_RINVDSTADR',
  retryable: false,
  throttledRetries: 0,
};

describe('LeaseGuardedBind', () => {
  it('tells the per-second count of each part the SMSC accepted, not of one it refused', async () => {
    const { bind } = fakeBind([accepted, refused, accepted]);
    let counted = 0;
    const guarded = new LeaseGuardedBind(
      bind,
      () => true,
      () => {
        counted += 1;
      },
    );
    const outcomes = [
      await guarded.submit(request),
      await guarded.submit(request),
      await guarded.submit(request),
    ];
    expect(outcomes).toEqual([accepted, refused, accepted]);
    expect(counted).toBe(2);
  });

  it('refuses a part once the lease is no longer held, without writing or counting it', async () => {
    const { bind, submits } = fakeBind([accepted]);
    let counted = 0;
    const guarded = new LeaseGuardedBind(
      bind,
      () => false,
      () => {
        counted += 1;
      },
    );
    await expect(guarded.submit(request)).rejects.toBeInstanceOf(SmppNotBoundError);
    expect(submits()).toBe(0);
    expect(counted).toBe(0);
  });
});
