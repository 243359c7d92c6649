/**
 * The status page's view model (the body of GET /status.json), from what the fleet writes: the leases
 * table's slot and presence items (docs/leases.md), message records (core/messageRecord.ts) and the send
 * queues' attributes. Pure: the reader (lambdas/shared/FleetStatusReader.ts) fetches, this decides what the
 * page says. Items are read defensively — a record another writer started, an older worker's presence
 * without `binds` — and never make the page fail.
 */
import { type BindReport, bindSecondCountsMaxSeconds } from './bindReport.js';
import { isFinalState, type MessageState, messageStates } from './messageState.js';

type Item = Readonly<Record<string, unknown>>;

/** What the fleet config says of a sub-account. */
export interface SubAccountSettings {
  readonly id: string;
  readonly bindCap: number;
  readonly submitsPerSecond: number;
  readonly window: number;
}

/** SQS GetQueueAttributes' `Attributes`, as returned (numbers as strings). */
export type QueueAttributes = Readonly<Record<string, string>>;

export interface FleetStatusInput {
  /** Epoch ms the reads were made at; leases and presence are judged against it. */
  readonly nowMs: number;
  readonly subAccounts: readonly SubAccountSettings[];
  /** `LEASE#<subAccount>` / `SLOT#<n>` items of every configured sub-account. */
  readonly leaseItems: readonly Item[];
  /** `WORKERS` / `WORKER#<id>` items. */
  readonly presenceItems: readonly Item[];
  /**
   * The latest accepted message records (the acceptance-time index: lambdas/shared/FleetStatusReader.ts),
   * in any order; the newest `messageLimit` by `createdAt` are shown and counted.
   */
  readonly messageItems: readonly Item[];
  /** Epoch ms: the earliest acceptance time the read looked back to (the start of a UTC day). */
  readonly messagesSinceMs?: number;
  readonly queues: Readonly<Record<string, { queue?: QueueAttributes; deadLetterQueue?: QueueAttributes }>>;
  /** Reads that failed, in words (shown on the page; the rest is still shown). */
  readonly problems?: readonly string[];
  /** @default 20 */
  readonly messageLimit?: number;
}

/** A slot's state as the page colours it: the bind's own status while a live lease has one reported. */
export const slotStates = [
  'bound',
  'binding',
  'connecting',
  'unbinding',
  'closed',
  /** Leased, no bind reported yet (the holder reports on its next heartbeat). */
  'leased',
  /** The holder stopped renewing: the lease ran out and nobody has taken the slot yet. */
  'expired',
  /** Never taken, or released. */
  'free',
] as const;
export type SlotState = (typeof slotStates)[number];

export interface BindView {
  readonly status: string;
  /** submit_sm per second over the holder's last heartbeat interval; undefined on its first report. */
  readonly submitRatePerSecond: number | undefined;
  readonly throttledPerSecond: number | undefined;
  readonly submitsPerSecondLimit: number;
  readonly inFlight: number;
  readonly window: number;
  readonly queued: number;
  readonly submitted: number;
  readonly throttled: number;
  readonly rejected: number;
  readonly bindFailures: number;
  readonly reportedAgoMs: number;
  /**
   * The chart's data: per whole second of the holder's clock, oldest first, accepted submits and 0x58 answers
   * (the same length; zeros where none), the newest second ending `endMs`. Undefined before the holder
   * reported a whole second of this tenure (or a worker too old to report it).
   */
  readonly perSecond: SecondCountsView | undefined;
}

export interface SecondCountsView {
  /** Epoch ms (the holder's clock): the end of the newest second. */
  readonly endMs: number;
  readonly accepted: readonly number[];
  readonly throttled: readonly number[];
}

export interface SlotView {
  readonly slot: number;
  readonly state: SlotState;
  readonly holder: string | undefined;
  readonly holderAlive: boolean;
  readonly fence: number;
  /** Positive while the lease runs, negative once it has expired; undefined for a free slot. */
  readonly leaseExpiresInMs: number | undefined;
  /** Who gave a free slot back last (undefined while someone holds it). */
  readonly releasedBy: string | undefined;
  readonly bind: BindView | undefined;
}

export interface QueueDepth {
  /** Waiting to be received. */
  readonly visible: number;
  /** Received by a worker, not yet deleted. */
  readonly inFlight: number;
  readonly delayed: number;
}

export interface SubAccountView {
  readonly id: string;
  readonly bindCap: number;
  /** Per bind. */
  readonly submitsPerSecondLimit: number;
  readonly slots: readonly SlotView[];
  readonly boundBinds: number;
  /** The sum over its binds of the last reported rates. */
  readonly submitRatePerSecond: number;
  /** boundBinds × limit: what it can send now. */
  readonly capacityPerSecond: number;
  readonly queue: QueueDepth | undefined;
  readonly deadLetterQueue: QueueDepth | undefined;
}

export interface WorkerView {
  readonly workerId: string;
  readonly alive: boolean;
  /** Stopping (SIGTERM): closing its binds, its slots come free soon. */
  readonly draining: boolean;
  /** Until the presence runs out (negative: ran out that long ago). */
  readonly aliveForMs: number;
  readonly slotsHeld: number;
  readonly bindsBound: number;
}

export interface StateChange {
  readonly state: MessageState;
  readonly atMs: number;
}

export interface PartView {
  readonly partNumber: number;
  readonly status: string;
  readonly smscMessageId: string | undefined;
  readonly receiptStatus: string | undefined;
  readonly receiptErrorCode: string | undefined;
  readonly receiptAtMs: number | undefined;
  readonly submitAttempts: number | undefined;
}

export interface MessageView {
  readonly messageId: string;
  readonly subAccount: string;
  readonly to: string | undefined;
  readonly from: string | undefined;
  readonly status: MessageState;
  readonly final: boolean;
  readonly totalParts: number;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
  /** What the record's timestamps say, oldest first. */
  readonly changes: readonly StateChange[];
  readonly parts: readonly PartView[];
  readonly errorCode: string | undefined;
  readonly errorDescription: string | undefined;
  readonly inDoubt: boolean;
}

export interface FleetStatusView {
  readonly generatedAtMs: number;
  readonly subAccounts: readonly SubAccountView[];
  readonly workers: readonly WorkerView[];
  /** The latest accepted, newest first. */
  readonly messages: readonly MessageView[];
  /** Epoch ms: the read looked for messages accepted since then (undefined: not read). */
  readonly messagesSinceMs: number | undefined;
  /**
   * The listed messages by state: a count over the latest `messagesCounted` accepted, NOT over the whole
   * table (counting every record would be a Scan, which a production table cannot afford every second).
   */
  readonly messageCounts: Readonly<Partial<Record<MessageState, number>>>;
  readonly messagesCounted: number;
  readonly problems: readonly string[];
}

/** Latest messages a view shows (and counts by state) unless told otherwise. */
export const defaultStatusMessageLimit = 20;
const bindStatuses = new Set<string>(['bound', 'binding', 'connecting', 'unbinding', 'closed']);

export function buildFleetStatusView(input: FleetStatusInput): FleetStatusView {
  const { nowMs } = input;
  const presence = input.presenceItems.map(parsePresence).filter((p) => p !== undefined);
  const presenceById = new Map(presence.map((p) => [p.workerId, p]));

  const subAccounts = input.subAccounts.map((settings): SubAccountView => {
    const items = new Map<number, Item>();
    for (const item of input.leaseItems) {
      const slot = slotNumber(item, settings.id);
      if (slot !== undefined) items.set(slot, item);
    }
    const slots = Array.from({ length: settings.bindCap }, (_, slot) =>
      slotView(slot, settings, items.get(slot), presenceById, nowMs),
    );
    const bound = slots.filter((slot) => slot.state === 'bound');
    const queues = input.queues[settings.id];
    return {
      id: settings.id,
      bindCap: settings.bindCap,
      submitsPerSecondLimit: settings.submitsPerSecond,
      slots,
      boundBinds: bound.length,
      submitRatePerSecond: round1(
        slots.reduce((sum, slot) => sum + (slot.bind?.submitRatePerSecond ?? 0), 0),
      ),
      capacityPerSecond: bound.length * settings.submitsPerSecond,
      queue: queueDepth(queues?.queue),
      deadLetterQueue: queueDepth(queues?.deadLetterQueue),
    };
  });

  const heldSlots = subAccounts.flatMap((account) => account.slots);
  const workers = presence
    .map(
      (p): WorkerView => ({
        workerId: p.workerId,
        alive: p.aliveUntilMs >= nowMs,
        draining: p.draining,
        aliveForMs: p.aliveUntilMs - nowMs,
        slotsHeld: heldSlots.filter((slot) => slot.holder === p.workerId && isLeased(slot.state)).length,
        bindsBound: heldSlots.filter((slot) => slot.holder === p.workerId && slot.state === 'bound').length,
      }),
    )
    .sort((a, b) => a.workerId.localeCompare(b.workerId));

  const messages = input.messageItems
    .map(parseMessage)
    .filter((m) => m !== undefined)
    .sort((a, b) => b.createdAtMs - a.createdAtMs || a.messageId.localeCompare(b.messageId))
    .slice(0, input.messageLimit ?? defaultStatusMessageLimit);
  const messageCounts: Partial<Record<MessageState, number>> = {};
  for (const { status } of messages) messageCounts[status] = (messageCounts[status] ?? 0) + 1;

  return {
    generatedAtMs: nowMs,
    subAccounts,
    workers,
    messages,
    messagesSinceMs: input.messagesSinceMs,
    messageCounts,
    messagesCounted: messages.length,
    problems: [...(input.problems ?? [])],
  };
}

function isLeased(state: SlotState): boolean {
  return state !== 'free' && state !== 'expired';
}

function slotView(
  slot: number,
  settings: SubAccountSettings,
  item: Item | undefined,
  presenceById: ReadonlyMap<string, Presence>,
  nowMs: number,
): SlotView {
  const holder = stringOf(item?.holder);
  const fence = numberOf(item?.fence) ?? 0;
  const expiresAt = numberOf(item?.leaseExpiresAtMs);
  const releasedBy = stringOf(item?.releasedBy);
  if (item === undefined || holder === undefined) {
    return {
      slot,
      state: 'free',
      holder: undefined,
      holderAlive: false,
      fence,
      leaseExpiresInMs: undefined,
      releasedBy,
      bind: undefined,
    };
  }
  const presence = presenceById.get(holder);
  const holderAlive = presence !== undefined && presence.aliveUntilMs >= nowMs;
  const leaseExpiresInMs = (expiresAt ?? 0) - nowMs;
  // The acquire condition lets anyone in once `leaseExpiresAtMs < now`: from then on it is nobody's.
  if (leaseExpiresInMs < 0) {
    return {
      slot,
      state: 'expired',
      holder,
      holderAlive,
      fence,
      leaseExpiresInMs,
      releasedBy: undefined,
      bind: undefined,
    };
  }
  // Only a report of this very tenure counts: an older one may describe the bind of a lease since lost.
  const report = presence?.binds.find(
    (bind) => bind.subAccount === settings.id && bind.slot === slot && bind.fence === fence,
  );
  const bind = report === undefined ? undefined : bindView(report, settings, nowMs);
  const state: SlotState =
    bind !== undefined && bindStatuses.has(bind.status) ? (bind.status as SlotState) : 'leased';
  return { slot, state, holder, holderAlive, fence, leaseExpiresInMs, releasedBy: undefined, bind };
}

function bindView(report: BindReport, settings: SubAccountSettings, nowMs: number): BindView {
  return {
    status: report.status,
    submitRatePerSecond: report.submitRatePerSecond,
    throttledPerSecond: report.throttledPerSecond,
    submitsPerSecondLimit: report.submitsPerSecond || settings.submitsPerSecond,
    inFlight: report.inFlight,
    window: report.window || settings.window,
    queued: report.queued,
    submitted: report.submitted,
    throttled: report.throttled,
    rejected: report.rejected,
    bindFailures: report.bindFailures,
    reportedAgoMs: Math.max(0, nowMs - report.reportedAtMs),
    perSecond: secondCountsView(report.perSecond),
  };
}

/** What the holder wrote, if it reads as counts: anything else leaves the chart empty, never the page broken. */
function secondCountsView(value: unknown): SecondCountsView | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const counts = value as Record<string, unknown>;
  const endMs = numberOf(counts.endMs);
  if (endMs === undefined || !Array.isArray(counts.accepted) || counts.accepted.length === 0)
    return undefined;
  // The newest seconds if a writer sent more than the chart spans.
  const dropped = Math.max(0, counts.accepted.length - bindSecondCountsMaxSeconds);
  const accepted = counts.accepted.slice(dropped).map(countOf);
  // Spread the sparse [index, count] pairs over the same seconds: zeros where none, so the page never guesses.
  const throttled = accepted.map(() => 0);
  for (const pair of Array.isArray(counts.throttled) ? counts.throttled : []) {
    if (!Array.isArray(pair)) continue;
    const index = Number(pair[0]) - dropped;
    if (Number.isInteger(index) && index >= 0 && index < throttled.length)
      throttled[index] = (throttled[index] ?? 0) + countOf(pair[1]);
  }
  return { endMs, accepted, throttled };
}

function countOf(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

function queueDepth(attributes: QueueAttributes | undefined): QueueDepth | undefined {
  if (attributes === undefined) return undefined;
  const count = (name: string) => {
    const value = Number(attributes[name] ?? 0);
    return Number.isFinite(value) ? value : 0;
  };
  return {
    visible: count('ApproximateNumberOfMessages'),
    inFlight: count('ApproximateNumberOfMessagesNotVisible'),
    delayed: count('ApproximateNumberOfMessagesDelayed'),
  };
}

function slotNumber(item: Item, subAccount: string): number | undefined {
  if (item.pk !== `LEASE#${subAccount}` || typeof item.sk !== 'string' || !item.sk.startsWith('SLOT#'))
    return undefined;
  const slot = Number(item.sk.slice('SLOT#'.length));
  return Number.isInteger(slot) && slot >= 0 ? slot : undefined;
}

interface Presence {
  readonly workerId: string;
  readonly aliveUntilMs: number;
  readonly draining: boolean;
  readonly binds: readonly BindReport[];
}

function parsePresence(item: Item): Presence | undefined {
  const sk = stringOf(item.sk);
  const aliveUntilMs = numberOf(item.aliveUntilMs);
  if (item.pk !== 'WORKERS' || sk === undefined || !sk.startsWith('WORKER#') || aliveUntilMs === undefined)
    return undefined;
  const binds = Array.isArray(item.binds) ? item.binds.filter(isBindReport) : [];
  return { workerId: sk.slice('WORKER#'.length), aliveUntilMs, draining: item.draining === true, binds };
}

function isBindReport(value: unknown): value is BindReport {
  if (typeof value !== 'object' || value === null) return false;
  const report = value as Record<string, unknown>;
  return (
    typeof report.subAccount === 'string' &&
    typeof report.slot === 'number' &&
    typeof report.fence === 'number' &&
    typeof report.status === 'string' &&
    typeof report.reportedAtMs === 'number'
  );
}

const isState = (value: unknown): value is MessageState =>
  typeof value === 'string' && (messageStates as readonly string[]).includes(value);

function parseMessage(item: Item): MessageView | undefined {
  const messageId = stringOf(item.messageId);
  if (messageId === undefined || !isState(item.status)) return undefined;
  const status = item.status;
  const createdAtMs = numberOf(item.createdAt) ?? 0;
  const updatedAtMs = numberOf(item.updatedAt) ?? createdAtMs;
  const parts = (Array.isArray(item.parts) ? item.parts : [])
    .filter((part): part is Item => typeof part === 'object' && part !== null)
    .map(
      (part, index): PartView => ({
        partNumber: numberOf(part.partNumber) ?? index + 1,
        status: stringOf(part.status) ?? 'accepted',
        smscMessageId: stringOf(part.smscMessageId),
        receiptStatus: stringOf(part.receiptStatus),
        receiptErrorCode: stringOf(part.receiptErrorCode),
        receiptAtMs: numberOf(part.receiptAt),
        submitAttempts: numberOf(part.submitAttempts),
      }),
    );
  return {
    messageId,
    subAccount: stringOf(item.subAccount) ?? '',
    to: stringOf(item.to),
    from: stringOf(item.from),
    status,
    final: isFinalState(status),
    totalParts: Math.max(numberOf(item.totalParts) ?? 0, parts.length),
    createdAtMs,
    updatedAtMs,
    changes: stateChanges(
      status,
      createdAtMs,
      updatedAtMs,
      numberOf(item.submittedAt),
      numberOf(item.finalAt),
    ),
    parts,
    errorCode: stringOf(item.errorCode),
    errorDescription: stringOf(item.errorDescription),
    inDoubt: item.inDoubt === true,
  };
}

/**
 * The record keeps a timestamp per milestone, not a log: accepted (createdAt), submitted (submittedAt),
 * the final state (finalAt). A message still `submitting` shows that state from its last update.
 */
function stateChanges(
  status: MessageState,
  createdAtMs: number,
  updatedAtMs: number,
  submittedAtMs: number | undefined,
  finalAtMs: number | undefined,
): StateChange[] {
  const changes: StateChange[] = [{ state: 'accepted', atMs: createdAtMs }];
  if (status === 'submitting') changes.push({ state: 'submitting', atMs: updatedAtMs });
  if (submittedAtMs !== undefined) changes.push({ state: 'submitted', atMs: submittedAtMs });
  if (isFinalState(status)) changes.push({ state: status, atMs: finalAtMs ?? updatedAtMs });
  return changes.sort((a, b) => a.atMs - b.atMs);
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
