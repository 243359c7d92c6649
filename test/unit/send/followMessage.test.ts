import { describe, expect, it } from 'vitest';
import type { MessageState } from '../../../core/messageState.js';
import type { MessageRecord } from '../../../core/openApi.js';
import { SendApiError, SendNetworkError } from '../../../local/send/errors.js';
import {
  type FollowMessageOptions,
  followMessage,
  pollDelayMs,
  type StateChange,
} from '../../../local/send/followMessage.js';

const messageId = '6b0e6f1c-52a4-4c1f-9e3d-0a7b2c4d5e6f';

function record(status: MessageState): MessageRecord {
  return { messageId, subAccount: 'demo', status, parts: [], createdAt: 0, updatedAt: 0 };
}

/**
 * A fake clock whose sleep advances it, and an API that answers each poll from a script: a state, or an
 * error to throw. The last entry repeats.
 */
function scripted(script: readonly (MessageState | Error)[], overrides: Partial<FollowMessageOptions> = {}) {
  let clock = 1_000_000;
  const sleeps: number[] = [];
  const changes: StateChange[] = [];
  const retries: Error[] = [];
  let polls = 0;
  const options: FollowMessageOptions = {
    messageId,
    timeoutMs: 60_000,
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    getMessage: async (id) => {
      expect(id).toBe(messageId);
      const next = script[Math.min(polls, script.length - 1)];
      polls += 1;
      if (next instanceof Error) throw next;
      return record(next ?? 'accepted');
    },
    onChange: (change) => changes.push(change),
    onRetry: (error) => retries.push(error),
    ...overrides,
  };
  return { options, sleeps, changes, retries, polls: () => polls };
}

describe('followMessage', () => {
  it('reports each state once, in order, and stops at delivered', async () => {
    const run = scripted(['accepted', 'accepted', 'submitted', 'submitted', 'delivered']);
    const outcome = await followMessage(run.options);
    expect(outcome).toMatchObject({ kind: 'final', status: 'delivered' });
    expect(run.changes.map((change) => [change.previous, change.status])).toEqual([
      [undefined, 'accepted'],
      ['accepted', 'submitted'],
      ['submitted', 'delivered'],
    ]);
    expect(run.polls()).toBe(5);
  });

  it('stops at any final state, a failure included', async () => {
    for (const final of ['undeliverable', 'expired', 'rejected', 'failed', 'unknown'] as const) {
      const outcome = await followMessage(scripted(['accepted', final]).options);
      expect(outcome).toMatchObject({ kind: 'final', status: final });
    }
  });

  it('backs off while nothing changes and polls fast again after a change', async () => {
    const run = scripted([
      'accepted',
      'accepted',
      'accepted',
      'accepted',
      'submitted',
      'submitted',
      'delivered',
    ]);
    await followMessage(run.options);
    expect(run.sleeps).toEqual([250, 375, 563, 844, 250, 375]);
  });

  it('caps the wait between polls', () => {
    expect(pollDelayMs(0)).toBe(250);
    expect(pollDelayMs(100)).toBe(5_000);
    expect(pollDelayMs(3, 100, 200)).toBe(200);
  });

  it('times out with the last state seen, its last poll on the deadline', async () => {
    const run = scripted(['accepted', 'submitted'], { timeoutMs: 10_000 });
    const outcome = await followMessage(run.options);
    expect(outcome.kind).toBe('timeout');
    expect(outcome.record?.status).toBe('submitted');
    expect(outcome.elapsedMs).toBe(10_000);
    expect(run.sleeps.reduce((sum, ms) => sum + ms, 0)).toBe(10_000);
  });

  it('keeps following through network failures and 5xx answers, reporting each', async () => {
    const down = new SendNetworkError('http://localhost:3000/messages/x', 'ECONNREFUSED');
    const failing = new SendApiError(503, undefined, '', 'http://localhost:3000/messages/x');
    const run = scripted(['accepted', down, failing, 'delivered']);
    const outcome = await followMessage(run.options);
    expect(outcome).toMatchObject({ kind: 'final', status: 'delivered' });
    expect(run.retries).toEqual([down, failing]);
    expect(run.changes.map((change) => change.status)).toEqual(['accepted', 'delivered']);
  });

  it('stops on a 4xx answer: polling again would get the same', async () => {
    const missing = new SendApiError(404, undefined, '', 'http://localhost:3000/messages/x');
    await expect(followMessage(scripted(['accepted', missing]).options)).rejects.toBe(missing);
  });

  it('times out when the API never answers', async () => {
    const down = new SendNetworkError('http://localhost:3000/messages/x', 'ECONNREFUSED');
    const outcome = await followMessage(scripted([down], { timeoutMs: 2_000 }).options);
    expect(outcome).toEqual({ kind: 'timeout', record: undefined, elapsedMs: 2_000 });
  });

  it('stamps each change with when it was seen and how long after the start', async () => {
    const run = scripted(['accepted', 'delivered']);
    await followMessage(run.options);
    expect(run.changes.map((change) => [change.seenAt - 1_000_000, change.elapsedMs])).toEqual([
      [0, 0],
      [250, 250],
    ]);
  });
});
