/**
 * Velocity limits (issue 15, SMS-pumping guard): per sub-account, at most N messages per destination number
 * per hour and per day, and at most M messages per sub-account per day. Pure: the config schema, the
 * counter items, the one TransactWriteItems that counts a message, and what its cancellation reasons mean.
 * The API's and the worker's adapters only send it.
 *
 * Why fixed buckets: a counter per window (the clock hour, the UTC day) is one conditional atomic update
 * (`ADD count 1` if `count < limit`), so the check and the count are one write that no two workers can
 * race past. A true rolling window needs the time of every counted message (a read, a list that grows, and
 * no atomic condition over it). "Rolling" is approximated by the clock-hour bucket: at most N in every clock
 * hour, so at most 2N in any 60 minutes that straddle a boundary; the per-day limit bounds that burst over
 * the day. A refused request is told to retry when the bucket that refused it ends (`Retry-After`).
 *
 * Counted once per message: the same transaction puts a marker item keyed by the message id
 * (`attribute_not_exists`). A retried SQS message, a second worker, or the worker seeing a message the API
 * already counted finds the marker and is let through without counting again; a refused message leaves no
 * marker (the transaction is all or nothing), so it is checked again on its next try.
 *
 * The items live in their own table (core/tableKeys.ts says why) and expire with `expiresAt`; TTL is late,
 * so expiry is never relied on: the window is in the key.
 */
import { z } from 'zod';
import { VelocityCountConflictError } from './errors.js';
import type { FailureReason } from './events.js';
import { type ItemKey, ttlAttribute } from './tableKeys.js';

const limitSchema = z
  .int({ error: 'must be a whole number' })
  .min(1, { error: 'must be at least 1 (leave the field out for no limit)' })
  .max(10_000_000, { error: 'must be at most 10,000,000' });

/** A sub-account's `velocityLimits` in the fleet config. Absent: no limit and no extra call. */
export const velocityLimitsConfigSchema = z
  .strictObject({
    /** Messages to one destination number per clock hour. */
    perDestinationPerHour: limitSchema.optional(),
    /** Messages to one destination number per UTC day. */
    perDestinationPerDay: limitSchema.optional(),
    /** Messages of the sub-account per UTC day (a spend guard). */
    perSubAccountPerDay: limitSchema.optional(),
  })
  .refine(
    (limits) =>
      limits.perDestinationPerHour !== undefined ||
      limits.perDestinationPerDay !== undefined ||
      limits.perSubAccountPerDay !== undefined,
    {
      error:
        'give at least one of perDestinationPerHour, perDestinationPerDay, perSubAccountPerDay, or leave velocityLimits out',
    },
  );

export type VelocityLimitsConfig = z.output<typeof velocityLimitsConfigSchema>;

export const velocityLimitNames = [
  'perDestinationPerHour',
  'perDestinationPerDay',
  'perSubAccountPerDay',
] as const;
export type VelocityLimitName = (typeof velocityLimitNames)[number];

/** The failure reason each limit gives a refused message. */
export const velocityRefusalReasons = {
  perDestinationPerHour: 'rate-limited-destination',
  perDestinationPerDay: 'rate-limited-destination',
  perSubAccountPerDay: 'daily-cap',
} as const satisfies Record<VelocityLimitName, FailureReason>;

const hourMs = 3_600_000;
const dayMs = 86_400_000;

/** One counter a message counts against: its key, limit and the end of its window (epoch ms). */
export interface VelocityCounter {
  limit: VelocityLimitName;
  max: number;
  key: ItemKey;
  windowEndsAt: number;
}

/** What counting a message asks of the table. */
export interface VelocityCount {
  marker: ItemKey;
  counters: VelocityCounter[];
  /** `expiresAt` of the marker and counters: a day after the longest window ends. */
  expiresAt: number;
}

/** The marker that says a message was counted. */
export function velocityMarkerKey(subAccount: string, messageId: string): ItemKey {
  return { pk: `VEL#${subAccount}#MSG#${messageId}`, sk: 'VEL' };
}

/** The counters a message to `to` counts against at `now`, for the configured limits only. */
export function velocityCount(
  input: { subAccount: string; messageId: string; to: string; now: number },
  limits: VelocityLimitsConfig,
): VelocityCount {
  const { subAccount, to, now } = input;
  const hourStart = now - (now % hourMs);
  const dayStart = now - (now % dayMs);
  const hour = new Date(hourStart).toISOString().slice(0, 13);
  const day = new Date(dayStart).toISOString().slice(0, 10);
  const counters: VelocityCounter[] = [];
  if (limits.perDestinationPerHour !== undefined) {
    counters.push({
      limit: 'perDestinationPerHour',
      max: limits.perDestinationPerHour,
      key: { pk: `VEL#${subAccount}#DEST#${to}`, sk: `HOUR#${hour}` },
      windowEndsAt: hourStart + hourMs,
    });
  }
  if (limits.perDestinationPerDay !== undefined) {
    counters.push({
      limit: 'perDestinationPerDay',
      max: limits.perDestinationPerDay,
      key: { pk: `VEL#${subAccount}#DEST#${to}`, sk: `DAY#${day}` },
      windowEndsAt: dayStart + dayMs,
    });
  }
  if (limits.perSubAccountPerDay !== undefined) {
    counters.push({
      limit: 'perSubAccountPerDay',
      max: limits.perSubAccountPerDay,
      key: { pk: `VEL#${subAccount}#ALL`, sk: `DAY#${day}` },
      windowEndsAt: dayStart + dayMs,
    });
  }
  return {
    marker: velocityMarkerKey(subAccount, input.messageId),
    counters,
    expiresAt: Math.ceil((dayStart + 2 * dayMs) / 1_000),
  };
}

/** The TransactWriteItems input (lib-dynamodb shape): the marker first, then one update per counter. */
export function velocityTransaction(tableName: string, count: VelocityCount, messageId: string) {
  return {
    TransactItems: [
      {
        Put: {
          TableName: tableName,
          Item: { ...count.marker, messageId, [ttlAttribute]: count.expiresAt },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      ...count.counters.map((counter) => ({
        Update: {
          TableName: tableName,
          Key: counter.key,
          UpdateExpression: 'ADD #count :one SET #expiresAt = if_not_exists(#expiresAt, :expiresAt)',
          ConditionExpression: 'attribute_not_exists(#count) OR #count < :max',
          ExpressionAttributeNames: { '#count': 'count', '#expiresAt': ttlAttribute },
          ExpressionAttributeValues: { ':one': 1, ':max': counter.max, ':expiresAt': count.expiresAt },
        },
      })),
    ],
  };
}

/** How counting a message ended. */
export type VelocityDecision =
  /** Counted now, or counted before (by the API, another worker, an earlier delivery). */
  | { kind: 'allowed'; counted: 'now' | 'before' }
  | {
      kind: 'refused';
      /** The limits the message is over (the first is named to the user). */
      limits: VelocityLimitName[];
      reason: (typeof velocityRefusalReasons)[VelocityLimitName];
      /** Epoch ms when the latest refusing window ends: the message may be sent again then. */
      retryAt: number;
    }
  /** Another write to the same items raced it (TransactionConflict): try again. */
  | { kind: 'conflict' };

/**
 * The decision from a transaction's cancellation reasons (one `Code` per transact item, in order;
 * `undefined` when the transaction went through).
 */
export function velocityDecision(
  count: VelocityCount,
  cancellationCodes: readonly (string | undefined)[] | undefined,
): VelocityDecision {
  if (cancellationCodes === undefined) return { kind: 'allowed', counted: 'now' };
  if (cancellationCodes[0] === 'ConditionalCheckFailed') return { kind: 'allowed', counted: 'before' };
  const over = count.counters.filter((_, index) => cancellationCodes[index + 1] === 'ConditionalCheckFailed');
  const first = over[0];
  if (first === undefined) return { kind: 'conflict' };
  return {
    kind: 'refused',
    limits: over.map((counter) => counter.limit),
    reason: velocityRefusalReasons[first.limit],
    retryAt: Math.max(...over.map((counter) => counter.windowEndsAt)),
  };
}

/** Whole seconds until `retryAt`, at least 1: the `Retry-After` header. */
export function retryAfterSeconds(retryAt: number, now: number): number {
  return Math.max(1, Math.ceil((retryAt - now) / 1_000));
}

const limitWords = {
  perDestinationPerHour: (max: number) => `${max} per destination number per hour`,
  perDestinationPerDay: (max: number) => `${max} per destination number per day`,
  perSubAccountPerDay: (max: number) => `${max} per sub-account per day`,
} as const satisfies Record<VelocityLimitName, (max: number) => string>;

/** What a refusal says: the limit by its config name and value, and when to try again. */
export function describeVelocityRefusal(
  decision: Extract<VelocityDecision, { kind: 'refused' }>,
  limits: VelocityLimitsConfig,
  now: number,
): string {
  const named = decision.limits
    .map((limit) => `velocityLimits.${limit} (${limitWords[limit](limits[limit] ?? 0)})`)
    .join(' and ');
  return `over the sub-account's ${named}; try again in ${retryAfterSeconds(decision.retryAt, now)} s`;
}

/**
 * Counts a message, trying again while the transaction only lost a race (TransactionConflict: DynamoDB
 * cancels a transaction that touches an item another transaction is writing). Messages of one sub-account
 * all update its day counter, so with `perSubAccountPerDay` concurrent sends do race: each retry waits a
 * short random time so the racers spread out. After `tries` conflicts it throws VelocityCountConflictError
 * and the caller's retry (the SQS message, the API caller's 503) comes back later; nothing was counted.
 */
export async function countWithConflictRetries(
  attempt: () => Promise<VelocityDecision>,
  tries = 8,
  wait: (tried: number) => Promise<void> = (tried) =>
    new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * tried)),
): Promise<Exclude<VelocityDecision, { kind: 'conflict' }>> {
  for (let tried = 1; ; tried++) {
    const decision = await attempt();
    if (decision.kind !== 'conflict') return decision;
    if (tried >= tries) throw new VelocityCountConflictError(tries);
    await wait(tried);
  }
}
