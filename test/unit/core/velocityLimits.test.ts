import { describe, expect, it } from 'vitest';
import { parseFleetConfig } from '../../../core/fleetConfig.js';
import {
  countWithConflictRetries,
  describeVelocityRefusal,
  retryAfterSeconds,
  type VelocityDecision,
  velocityCount,
  velocityDecision,
  velocityTransaction,
} from '../../../core/velocityLimits.js';

const account = (extra: Record<string, unknown>) => ({ id: 'acme', password: { env: 'PW' }, ...extra });
const limits = { perDestinationPerHour: 2, perDestinationPerDay: 5, perSubAccountPerDay: 100 };
// 2026-12-02 10:15:30 UTC
const now = Date.UTC(2026, 11, 2, 10, 15, 30);

describe('velocityLimits in the fleet config', () => {
  it('is off unless given and keeps the limits given', () => {
    expect(parseFleetConfig({ subAccounts: [account({})] }).subAccounts[0]?.velocityLimits).toBeUndefined();
    expect(
      parseFleetConfig({ subAccounts: [account({ velocityLimits: { perSubAccountPerDay: 500 } })] })
        .subAccounts[0]?.velocityLimits,
    ).toEqual({ perSubAccountPerDay: 500 });
  });

  it('names a bad limit, an unknown field and an empty object by path', () => {
    const problems = (velocityLimits: unknown) => {
      try {
        parseFleetConfig({ subAccounts: [account({ velocityLimits })] });
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(problems({ perDestinationPerHour: 0 })).toContain(
      'subAccounts[0].velocityLimits.perDestinationPerHour: must be at least 1',
    );
    expect(problems({ perDestinationPerHour: 1.5 })).toContain(
      'subAccounts[0].velocityLimits.perDestinationPerHour: must be a whole number',
    );
    expect(problems({ perHour: 3 })).toContain('perHour');
    expect(problems({})).toContain('give at least one of perDestinationPerHour');
  });
});

describe('velocityCount', () => {
  it('counts against the clock hour and UTC day of the number, and the sub-account’s day', () => {
    const count = velocityCount({ subAccount: 'acme', messageId: 'm1', to: '+6591234567', now }, limits);
    expect(count.marker).toEqual({ pk: 'VEL#acme#MSG#m1', sk: 'VEL' });
    expect(count.counters.map(({ limit, key, windowEndsAt }) => [limit, key, windowEndsAt])).toEqual([
      [
        'perDestinationPerHour',
        { pk: 'VEL#acme#DEST#+6591234567', sk: 'HOUR#2026-12-02T10' },
        Date.UTC(2026, 11, 2, 11),
      ],
      [
        'perDestinationPerDay',
        { pk: 'VEL#acme#DEST#+6591234567', sk: 'DAY#2026-12-02' },
        Date.UTC(2026, 11, 3),
      ],
      ['perSubAccountPerDay', { pk: 'VEL#acme#ALL', sk: 'DAY#2026-12-02' }, Date.UTC(2026, 11, 3)],
    ]);
    expect(count.expiresAt).toBe(Date.UTC(2026, 11, 4) / 1_000);
  });

  it('counts only against the limits configured', () => {
    const count = velocityCount(
      { subAccount: 'acme', messageId: 'm1', to: '+6591234567', now },
      { perSubAccountPerDay: 3 },
    );
    expect(count.counters.map((counter) => counter.limit)).toEqual(['perSubAccountPerDay']);
    const transaction = velocityTransaction('t', count, 'm1');
    expect(transaction.TransactItems).toHaveLength(2);
    expect(transaction.TransactItems[1]).toMatchObject({
      Update: {
        ConditionExpression: 'attribute_not_exists(#count) OR #count < :max',
        ExpressionAttributeValues: { ':max': 3 },
      },
    });
  });
});

describe('velocityDecision', () => {
  const count = velocityCount({ subAccount: 'acme', messageId: 'm1', to: '+6591234567', now }, limits);

  it('allows a message counted now, and one whose marker was already there', () => {
    expect(velocityDecision(count, undefined)).toEqual({ kind: 'allowed', counted: 'now' });
    expect(
      velocityDecision(count, ['ConditionalCheckFailed', 'ConditionalCheckFailed', 'None', 'None']),
    ).toEqual({
      kind: 'allowed',
      counted: 'before',
    });
  });

  it('refuses a message over a limit, with its reason and when the refusing window ends', () => {
    const hour = velocityDecision(count, ['None', 'ConditionalCheckFailed', 'None', 'None']);
    expect(hour).toEqual({
      kind: 'refused',
      limits: ['perDestinationPerHour'],
      reason: 'rate-limited-destination',
      retryAt: Date.UTC(2026, 11, 2, 11),
    });
    expect(describeVelocityRefusal(hour as Extract<VelocityDecision, { kind: 'refused' }>, limits, now)).toBe(
      "over the sub-account's velocityLimits.perDestinationPerHour (2 per destination number per hour); try again in 2670 s",
    );
    expect(velocityDecision(count, ['None', 'None', 'None', 'ConditionalCheckFailed'])).toMatchObject({
      reason: 'daily-cap',
      retryAt: Date.UTC(2026, 11, 3),
    });
    expect(
      velocityDecision(count, ['None', 'ConditionalCheckFailed', 'ConditionalCheckFailed', 'None']),
    ).toMatchObject({
      limits: ['perDestinationPerHour', 'perDestinationPerDay'],
      retryAt: Date.UTC(2026, 11, 3),
    });
  });

  it('calls a cancellation with no failed condition a conflict, tried again a few times', async () => {
    expect(velocityDecision(count, ['None', 'TransactionConflict', 'None', 'None'])).toEqual({
      kind: 'conflict',
    });
    let calls = 0;
    const waits: number[] = [];
    const decision = await countWithConflictRetries(
      async () => (++calls < 3 ? { kind: 'conflict' } : { kind: 'allowed', counted: 'now' }),
      5,
      async (tried) => {
        waits.push(tried);
      },
    );
    expect(waits).toEqual([1, 2]);
    expect([decision.kind, calls]).toEqual(['allowed', 3]);
    await expect(
      countWithConflictRetries(
        async () => ({ kind: 'conflict' }),
        2,
        async () => {},
      ),
    ).rejects.toThrow('2 transaction conflicts in a row; nothing was counted, retry');
  });

  it('never tells a caller to retry in less than a second', () => {
    expect(retryAfterSeconds(now + 200, now)).toBe(1);
    expect(retryAfterSeconds(now - 5_000, now)).toBe(1);
  });
});
