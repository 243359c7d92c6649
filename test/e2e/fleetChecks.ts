/**
 * What the fleet tests check after a run, as plain functions over what they collected: final states,
 * events on the example subscriber queue, and what the simulator saw.
 *
 * Events — what is asserted and why. EventBridge delivers at least once, and the outbox may publish an
 * event again when the worker that wrote it died before clearing it; so a subscriber can get one event
 * more than once, and must drop copies by `detail.eventId`. The tests therefore assert, per message:
 * - every state change it must have announced arrived at least once (its final state always; `submitted`
 *   whenever the record passed through it — not separately checkable from outside, so instead every
 *   record must end with no pending, unpublished events);
 * - no event for a state it never had;
 * - for one (message, state), one eventId only, and it is `messageEventId(messageId, state)`;
 * - no event about a message that was not sent, and no "receipt unmatched".
 * Copies of one eventId are counted and printed, not failed on.
 */
import { detailTypes, messageEventId } from '../../core/events.js';
import type { MessageRecord } from '../../core/messageRecord.js';
import type { MessageState } from '../../core/messageState.js';
import type { AccountStats, SubmittedMessage } from '../../local/smsc-simulator/SmscSimulator.js';
import { type EmittedDatum, type MetricKey, metricKey } from '../support/metricContract.js';
import { throttledAllowance } from '../support/throttledAllowance.js';
import { type Fleet, pollUntil, type SubscriberEvent } from './fleetHarness.js';
import { eventStatesFor, type PlannedMessage } from './messageMix.js';

/** The message state an event announces (a validation failure announces `failed`). */
export function stateOfEvent(event: SubscriberEvent): MessageState | undefined {
  switch (event.detailType) {
    case detailTypes.submitted:
      return 'submitted';
    case detailTypes.delivered:
      return 'delivered';
    case detailTypes.failed: {
      const reason = event.detail.reason;
      return reason === 'validation' ? 'failed' : (reason as MessageState);
    }
    default:
      return undefined;
  }
}

export interface EventAnalysis {
  /** `<messageId> <state>` that never arrived. */
  missing: string[];
  /** Events for a state the message must not announce, for unknown messages, or of unexpected kinds. */
  unexpected: string[];
  /** (message, state) pairs that arrived under more than one eventId, or under a non-deterministic one. */
  conflicting: string[];
  distinctEvents: number;
  copies: number;
  /** eventIds that arrived more than once. */
  arrivedTwiceOrMore: number;
  /** Messages whose record skipped `submitted` (every receipt matched before the submit was recorded). */
  withoutSubmitted: number;
}

export function analyseEvents(
  planned: readonly PlannedMessage[],
  ids: readonly string[],
  copies: readonly SubscriberEvent[],
  extra: ReadonlyMap<string, { required: MessageState[]; optional: MessageState[] }> = new Map(),
): EventAnalysis {
  const expected = new Map(extra);
  planned.forEach((message, index) => {
    expected.set(ids[index] ?? '', eventStatesFor(message));
  });

  const idsByPair = new Map<string, Set<string>>();
  const copiesById = new Map<string, number>();
  const unexpected: string[] = [];
  for (const copy of copies) {
    copiesById.set(copy.eventId, (copiesById.get(copy.eventId) ?? 0) + 1);
    const state = stateOfEvent(copy);
    const messageId = String(copy.detail.messageId ?? '');
    const states = expected.get(messageId);
    if (state === undefined || states === undefined) {
      unexpected.push(`${copy.detailType} ${messageId || JSON.stringify(copy.detail)}`);
      continue;
    }
    if (!states.required.includes(state) && !states.optional.includes(state)) {
      unexpected.push(`${messageId} ${state}`);
    }
    const pair = `${messageId} ${state}`;
    const idsOfPair = idsByPair.get(pair) ?? new Set<string>();
    idsOfPair.add(copy.eventId);
    idsByPair.set(pair, idsOfPair);
  }
  const conflicting = [...idsByPair]
    .filter(([pair, eventIds]) => {
      const [messageId = '', state = ''] = pair.split(' ');
      return eventIds.size !== 1 || !eventIds.has(messageEventId(messageId, state as MessageState));
    })
    .map(([pair, eventIds]) => `${pair}: ${[...eventIds].join(', ')}`);
  const missing: string[] = [];
  let withoutSubmitted = 0;
  for (const [messageId, states] of expected) {
    for (const state of states.required) {
      if (!idsByPair.has(`${messageId} ${state}`)) missing.push(`${messageId} ${state}`);
    }
    if (states.optional.includes('submitted') && !idsByPair.has(`${messageId} submitted`))
      withoutSubmitted += 1;
  }
  return {
    missing,
    unexpected: [...new Set(unexpected)],
    conflicting,
    distinctEvents: copiesById.size,
    copies: copies.length,
    arrivedTwiceOrMore: [...copiesById.values()].filter((count) => count > 1).length,
    withoutSubmitted,
  };
}

/** What the simulator accepted, per SMS part: `<destination>#<part>` → copies. */
export function acceptedCopiesPerPart(submitted: readonly SubmittedMessage[]): Map<string, number> {
  const copies = new Map<string, number>();
  for (const message of submitted) {
    const key = `${message.destination}#${message.concat?.sequence ?? 1}`;
    copies.set(key, (copies.get(key) ?? 0) + 1);
  }
  return copies;
}

/** Parts accepted more than once (the extra copies), and the destinations they went to. */
export function duplicatesOf(submitted: readonly SubmittedMessage[]): {
  extraCopies: number;
  destinations: Set<string>;
} {
  let extraCopies = 0;
  const destinations = new Set<string>();
  for (const [key, count] of acceptedCopiesPerPart(submitted)) {
    if (count <= 1) continue;
    extraCopies += count - 1;
    destinations.add(key.slice(0, key.indexOf('#')));
  }
  return { extraCopies, destinations };
}

/** `to` without the `+`, as the simulator sees the destination. */
export function simulatorDestination(message: PlannedMessage): string | undefined {
  if (typeof message.body === 'string') return undefined;
  const to = message.body.to;
  return typeof to === 'string' ? to.replace(/^\+/, '') : undefined;
}

/** Parts the simulator must accept for these messages (refused and invalid ones never reach it). */
export function expectedAcceptedParts(planned: readonly PlannedMessage[]): number {
  return planned
    .filter((message) => message.kind !== 'invalid' && message.kind !== 'invalid-destination')
    .reduce((sum, message) => sum + message.parts, 0);
}

export function formatMs(ms: number): string {
  return `${(ms / 1_000).toFixed(1)} s`;
}

/**
 * Where a message's time went, as percentiles over the messages (ms): queued in SQS until its first part
 * reached the simulator, from there until the record said `submitted` (or final), until the final state was
 * recorded, and until the subscriber had the final event. For the report; nothing is asserted on it.
 */
export function stageLatencies(
  planned: readonly PlannedMessage[],
  ids: readonly string[],
  sentAt: number,
  submitted: readonly SubmittedMessage[],
  copies: readonly SubscriberEvent[],
): string {
  const firstSubmit = new Map<string, number>();
  for (const message of submitted) {
    const earlier = firstSubmit.get(message.destination);
    if (earlier === undefined || message.arrivedAt < earlier)
      firstSubmit.set(message.destination, message.arrivedAt);
  }
  const byMessage = new Map<string, { submitted?: number; final?: number; seen?: number }>();
  for (const copy of copies) {
    const entry = byMessage.get(String(copy.detail.messageId)) ?? {};
    const at = Number(copy.detail.eventTimestamp);
    if (copy.detailType === detailTypes.submitted) entry.submitted ??= at;
    else if (copy.detail.isFinal === true && entry.final === undefined) {
      entry.final = at;
      entry.seen = copy.receivedAt;
    }
    byMessage.set(String(copy.detail.messageId), entry);
  }
  const stages: Record<string, number[]> = {
    queued: [],
    submitting: [],
    receipt: [],
    toSubscriber: [],
    total: [],
  };
  planned.forEach((message, index) => {
    const destination = simulatorDestination(message);
    const submit = destination === undefined ? undefined : firstSubmit.get(destination);
    const events = byMessage.get(ids[index] ?? '');
    if (submit === undefined || events?.final === undefined || events.seen === undefined) return;
    stages.queued?.push(submit - sentAt);
    stages.submitting?.push((events.submitted ?? events.final) - submit);
    if (events.submitted !== undefined) stages.receipt?.push(events.final - events.submitted);
    stages.toSubscriber?.push(events.seen - events.final);
    stages.total?.push(events.seen - sentAt);
  });
  const percentile = (values: number[], p: number) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
  };
  return Object.entries(stages)
    .map(
      ([stage, values]) =>
        `${stage} p50 ${percentile(values, 0.5).toFixed(0)} p90 ${percentile(values, 0.9).toFixed(0)} max ${percentile(values, 1).toFixed(0)}`,
    )
    .join('; ');
}

/** Final states that differ from the plan, described. */
export function wrongFinalStates(
  planned: readonly PlannedMessage[],
  ids: readonly string[],
  statuses: ReadonlyMap<string, MessageState>,
): string[] {
  return planned.flatMap((message, index) => {
    const status = statuses.get(ids[index] ?? '');
    return status === message.expected
      ? []
      : [`${message.kind} ${ids[index]}: ${status} (want ${message.expected})`];
  });
}

/**
 * 8x8's limits as the simulator saw them, as the rules that broke (empty: all held): at most 4 binds open at
 * once and none refused for the cap, at most 50 accepted per bind in any sliding second, ESME_RTHROTTLED no
 * more than arrival jitter explains (test/support/throttledAllowance.ts), and every receipt answered.
 */
export function brokenSimulatorLimits(stats: AccountStats): string[] {
  const broken: string[] = [];
  if (stats.binds.peak > 4) broken.push(`${stats.binds.peak} binds open at once`);
  if (stats.binds.rejected['bind-limit'] > 0)
    broken.push(`${stats.binds.rejected['bind-limit']} binds refused for the cap`);
  if (stats.submits.maxAcceptedInAnyWindowPerBind > 50)
    broken.push(`${stats.submits.maxAcceptedInAnyWindowPerBind} accepted on one bind within a second`);
  const allowance = throttledAllowance(stats.submits.accepted);
  if (stats.submits.throttled > allowance)
    broken.push(`${stats.submits.throttled} throttled (allowance ${allowance})`);
  if (stats.receipts.outstanding > 0) broken.push(`${stats.receipts.outstanding} receipts unanswered`);
  return broken;
}

/** The simulator's figures for a report line. */
export function describeSimulator(stats: AccountStats): string {
  return (
    `binds peak ${stats.binds.peak} (bind-limit rejections ${stats.binds.rejected['bind-limit']}), ` +
    `busiest second per bind ${stats.submits.maxAcceptedInAnyWindowPerBind}, throttled ${stats.submits.throttled}, ` +
    `accepted ${stats.submits.accepted}, receipts ${JSON.stringify(stats.receipts)}`
  );
}

/**
 * Until every event the messages must announce has arrived, then until the queue has been quiet for 2 s
 * (copies and strays must not hide behind the count); returns the analysis.
 */
export async function waitForEvents(
  f: Fleet,
  planned: readonly PlannedMessage[],
  ids: readonly string[],
  extra?: ReadonlyMap<string, { required: MessageState[]; optional: MessageState[] }>,
  timeoutMs = 60_000,
): Promise<EventAnalysis> {
  let analysis = analyseEvents(planned, ids, f.events.copies, extra);
  await pollUntil(
    'every required event on the subscriber queue',
    () => {
      analysis = analyseEvents(planned, ids, f.events.copies, extra);
      return analysis.missing.length === 0;
    },
    { timeoutMs, intervalMs: 250, describe: () => `missing ${analysis.missing.slice(0, 5).join('; ')}` },
  );
  await pollUntil('a quiet subscriber queue', () => f.events.quietForMs > 2_000, {
    timeoutMs: 30_000,
    intervalMs: 250,
  });
  return analyseEvents(planned, ids, f.events.copies, extra);
}

/**
 * The records as they stand. Nothing about events is kept on a record any more (the table's stream announces
 * each write), so there is nothing to wait for: the event checks wait at the subscriber instead.
 */
export function settledRecords(f: Fleet, ids: readonly string[]): Promise<Map<string, MessageRecord>> {
  return f.records(ids);
}

/** The `count` records that took longest from creation to their final state, summarised for a report. */
export function slowestRecords(records: ReadonlyMap<string, MessageRecord>, count = 3): string {
  return [...records.values()]
    .filter((record) => record.finalAt !== undefined)
    .sort((a, b) => (b.finalAt ?? 0) - b.createdAt - ((a.finalAt ?? 0) - a.createdAt))
    .slice(0, count)
    .map((record) =>
      JSON.stringify({
        messageId: record.messageId,
        status: record.status,
        tookMs: (record.finalAt ?? 0) - record.createdAt,
        submittedAfterMs:
          record.submittedAt === undefined ? undefined : record.submittedAt - record.createdAt,
        attempts: record.attempts,
        claimOwner: record.claimOwner,
        inDoubt: record.inDoubt,
        parts: record.parts.map((part) => part.status),
      }),
    )
    .join('\n');
}

/**
 * Where the workers' metrics and the template's alarms and graphs miss each other (empty: they meet): a
 * metric the template reads (namespace, name, dimension names) that no worker emitted with one of the
 * dimension values read; and an emitted datum of such a metric whose dimension values nothing reads (a
 * receipt outcome no graph shows, a sub-account no alarm watches). Metrics the template does not read at
 * all (WindowInUse, SubmitsRejected: for Logs Insights and ad hoc graphs) are not its business.
 */
export function metricContractBreaks(
  reads: readonly MetricKey[],
  emitted: readonly EmittedDatum[],
): string[] {
  const shape = (metric: MetricKey) =>
    `${metric.namespace} ${metric.name} [${Object.keys(metric.dimensions).sort().join(',')}]`;
  const readKeys = new Set(reads.map(metricKey));
  const readShapes = new Set(reads.map(shape));
  const metShapes = new Set(emitted.filter((datum) => readKeys.has(metricKey(datum))).map(shape));
  const unseen = [...readShapes]
    .filter((read) => !metShapes.has(read))
    .map((read) => `never emitted: ${read}`);
  const unread = [
    ...new Set(
      emitted
        .filter((datum) => readShapes.has(shape(datum)) && !readKeys.has(metricKey(datum)))
        .map((datum) => `emitted, read by nothing: ${metricKey(datum)}`),
    ),
  ];
  return [...unseen, ...unread];
}
