import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allowedTransitions,
  canTransition,
  finalStates,
  isFinalState,
  type MessageState,
  mergePartStates,
  messageStates,
  nextState,
} from '../../../core/messageState.js';

const anyState = fc.constantFrom(...messageStates);

describe('message states', () => {
  it('follows the happy path accepted → submitting → submitted → delivered', () => {
    expect(canTransition('accepted', 'submitting')).toBe(true);
    expect(canTransition('submitting', 'submitted')).toBe(true);
    expect(canTransition('submitted', 'delivered')).toBe(true);
  });

  it('lets a receipt matched before the last submit_sm_resp finish a submitting message', () => {
    expect(canTransition('submitting', 'delivered')).toBe(true);
    expect(canTransition('submitting', 'undeliverable')).toBe(true);
  });

  it('never leaves a definite final state', () => {
    for (const from of ['delivered', 'undeliverable', 'expired', 'rejected', 'failed'] as const) {
      for (const to of messageStates) expect(canTransition(from, to)).toBe(false);
    }
  });

  it('lets a definite receipt replace unknown, but nothing less final', () => {
    expect(canTransition('unknown', 'delivered')).toBe(true);
    expect(canTransition('unknown', 'expired')).toBe(true);
    expect(canTransition('unknown', 'submitted')).toBe(false);
    expect(canTransition('unknown', 'failed')).toBe(false);
  });

  it('never goes backwards to an earlier non-final state, except submitting → accepted on return', () => {
    expect(canTransition('submitted', 'submitting')).toBe(false);
    expect(canTransition('submitted', 'accepted')).toBe(false);
    expect(canTransition('submitting', 'accepted')).toBe(true);
  });

  it('treats a repeated report as no change', () => {
    for (const state of messageStates) expect(canTransition(state, state)).toBe(false);
  });

  it('marks exactly the six outcomes as final', () => {
    expect(messageStates.filter(isFinalState)).toEqual([...finalStates]);
    expect(isFinalState('submitted')).toBe(false);
  });

  it('keeps a final state when a later, less final report arrives', () => {
    expect(nextState('delivered', 'submitted')).toEqual({ state: 'delivered', changed: false });
    expect(nextState('expired', 'submitting')).toEqual({ state: 'expired', changed: false });
    expect(nextState('submitted', 'delivered')).toEqual({ state: 'delivered', changed: true });
  });

  it('reaches a final state from any state through allowed moves, and stays final whatever comes next', () => {
    fc.assert(
      fc.property(fc.array(anyState, { maxLength: 20 }), (reports) => {
        let state: MessageState = 'accepted';
        let wasFinal = false;
        for (const report of reports) {
          state = nextState(state, report).state;
          if (wasFinal) expect(isFinalState(state)).toBe(true);
          wasFinal ||= isFinalState(state);
        }
      }),
    );
  });

  it('has a transition table entry for every state', () => {
    expect(Object.keys(allowedTransitions).sort()).toEqual([...messageStates].sort());
  });
});

describe('mergePartStates', () => {
  it('is delivered only when every part is delivered', () => {
    expect(mergePartStates(['delivered', 'delivered', 'delivered'])).toBe('delivered');
    expect(mergePartStates(['delivered', 'submitted', 'delivered'])).toBe('submitted');
  });

  it('fails as soon as any part fails, even with parts still on their way', () => {
    expect(mergePartStates(['delivered', 'undeliverable', 'submitted'])).toBe('undeliverable');
    expect(mergePartStates(['submitting', 'rejected'])).toBe('rejected');
  });

  it('names mixed failures by the most telling one: failed > rejected > undeliverable > expired', () => {
    expect(mergePartStates(['expired', 'undeliverable'])).toBe('undeliverable');
    expect(mergePartStates(['expired', 'rejected', 'undeliverable'])).toBe('rejected');
    expect(mergePartStates(['rejected', 'failed'])).toBe('failed');
  });

  it('follows the slowest part while none has failed', () => {
    expect(mergePartStates(['submitted', 'submitting', 'delivered'])).toBe('submitting');
    expect(mergePartStates(['unknown', 'submitted'])).toBe('submitted');
  });

  it('is unknown when every part is final, none failed, and some are unknown', () => {
    expect(mergePartStates(['delivered', 'unknown'])).toBe('unknown');
  });

  it('is the part state for a single-part message', () => {
    for (const state of messageStates) expect(mergePartStates([state])).toBe(state);
  });

  it('is accepted with no parts yet', () => {
    expect(mergePartStates([])).toBe('accepted');
  });

  it('does not depend on the order of the parts', () => {
    fc.assert(
      fc.property(fc.array(anyState, { minLength: 1, maxLength: 10 }), (parts) => {
        expect(mergePartStates([...parts].reverse())).toBe(mergePartStates(parts));
      }),
    );
  });
});
