/**
 * Which bind slots a worker should take and which it should give up: plain values in, a plan out.
 *
 * Every worker runs the same rules on (nearly) the same snapshot of the leases table, so they agree
 * without talking to each other:
 * - A sub-account's cap is shared among the live workers: each gets ⌊cap/n⌋, and the `cap mod n` extra
 *   slots go to the workers that already hold the most (so nothing moves that need not), ties broken by a
 *   hash of (sub-account, worker) and then the worker id. The hash spreads the extras of different
 *   sub-accounts over different workers; it is the same for every reader, so two workers with equal
 *   holdings never both give up (or both keep) the extra slot.
 * - A worker over its share gives up the excess, highest slot first; one under it takes free or expired
 *   slots, each needy worker starting at a different free slot (the one the ranking assigns it) so that
 *   workers reading the same snapshot do not race for the same item.
 * - Nobody plans to take a slot whose lease another worker still validly holds, and no plan leaves a worker
 *   with more than its share, which never exceeds ⌈cap/n⌉ ≤ cap.
 *
 * `acquirable` mirrors the store's acquire condition, so a plan never asks for what the store would refuse.
 */

/** One bind slot as the leases table has it. */
export interface LeaseSlot {
  readonly slot: number;
  /** Undefined once released (the item and its fence counter stay). */
  readonly holder: string | undefined;
  /** Raised by one on every acquisition: the newest holder always has the largest fence. */
  readonly fence: number;
  /** Epoch milliseconds, by the clock of the worker that last acquired or renewed it. */
  readonly leaseExpiresAtMs: number;
}

export interface SubAccountLeaseView {
  readonly subAccount: string;
  readonly cap: number;
  /** The slot items as read; a slot that was never acquired has no item. */
  readonly slots: readonly LeaseSlot[];
  /**
   * Slots this worker holds and may use now (its own deadline has not passed) and is not giving up.
   * @default the slots whose item names this worker and has not expired
   */
  readonly held?: readonly number[];
  /** Slots this worker is already giving up (its bind is closing); neither counted nor planned again. */
  readonly leaving?: readonly number[];
}

export interface LeasePlanInput {
  readonly workerId: string;
  /** Epoch milliseconds, by this worker's clock. */
  readonly nowMs: number;
  /** Workers seen alive (this worker counts as live whether listed or not). */
  readonly liveWorkers: readonly string[];
  readonly subAccounts: readonly SubAccountLeaseView[];
}

export interface SubAccountLeasePlan {
  readonly subAccount: string;
  /** This worker's fair share of the sub-account's cap. */
  readonly target: number;
  /** Slots to acquire, lowest first: free, expired, or this worker's own leases it is not using. */
  readonly acquire: readonly number[];
  /** Slots this worker uses and must give up: close the bind first, then release the lease. */
  readonly release: readonly number[];
  /** Leases the table shows as this worker's that it is not using (no bind is open): release at once. */
  readonly discard: readonly { readonly slot: number; readonly fence: number }[];
}

/** Held by someone, and not yet expired by the reader's clock. */
export function isLeaseValid(item: LeaseSlot, nowMs: number): boolean {
  return item.holder !== undefined && item.leaseExpiresAtMs >= nowMs;
}

/**
 * Would the store grant `workerId` this slot now? Mirrors the acquire condition
 * `attribute_not_exists(pk) OR leaseExpiresAtMs < :now OR holder = :me` (a missing item is `undefined`).
 */
export function isAcquirable(item: LeaseSlot | undefined, workerId: string, nowMs: number): boolean {
  return item === undefined || item.leaseExpiresAtMs < nowMs || item.holder === workerId;
}

/**
 * The first moment (epoch ms, by this worker's clock) before `untilMs` at which the store lets go of a lease
 * another worker holds, if any. A holder that renews stays at least L − H ahead of a reader's next heartbeat,
 * so a lease lapsing sooner is one its holder stopped renewing (crashed or cut off): the manager beats again
 * at that moment instead of up to a heartbeat later, and takes a dead worker's slots within L of its last
 * renewal.
 */
export function nextLapseMs(
  workerId: string,
  nowMs: number,
  untilMs: number,
  subAccounts: readonly SubAccountLeaseView[],
): number | undefined {
  let next: number | undefined;
  for (const view of subAccounts) {
    for (const item of view.slots) {
      if (item.slot >= view.cap || item.holder === workerId || !isLeaseValid(item, nowMs)) continue;
      // The store's condition is `leaseExpiresAtMs < now`: the lease is takeable a millisecond after.
      const lapse = item.leaseExpiresAtMs + 1;
      if (lapse < untilMs && (next === undefined || lapse < next)) next = lapse;
    }
  }
  return next;
}

/**
 * Each live worker's share of `cap`: ⌊cap/n⌋, plus one for the first `cap mod n` workers ranked by current
 * holdings (most first), then by a hash of (sub-account, worker), then by id.
 */
export function fairShares(
  subAccount: string,
  cap: number,
  liveWorkers: readonly string[],
  holdings: ReadonlyMap<string, number>,
): Map<string, number> {
  const ranked = rankWorkers(subAccount, liveWorkers, holdings);
  const base = Math.floor(cap / ranked.length);
  const extra = cap % ranked.length;
  return new Map(ranked.map((worker, index) => [worker, base + (index < extra ? 1 : 0)]));
}

export function planLeases(input: LeasePlanInput): SubAccountLeasePlan[] {
  const live = [...new Set([...input.liveWorkers, input.workerId])].sort();
  return input.subAccounts.map((view) => planSubAccount(view, input.workerId, input.nowMs, live));
}

function planSubAccount(
  view: SubAccountLeaseView,
  me: string,
  nowMs: number,
  live: readonly string[],
): SubAccountLeasePlan {
  const { subAccount, cap } = view;
  const items = new Map<number, LeaseSlot>();
  for (const item of view.slots) items.set(item.slot, item);

  const heldAll =
    view.held ?? view.slots.filter((s) => s.holder === me && isLeaseValid(s, nowMs)).map((s) => s.slot);
  const leaving = new Set(view.leaving ?? []);
  const heldInCap = unique(heldAll.filter((slot) => slot < cap && !leaving.has(slot)));
  const heldSet = new Set(heldInCap);
  // A cap lowered under a running fleet: slots past it are given up whatever the shares say.
  const beyondCap = unique(heldAll.filter((slot) => slot >= cap && !leaving.has(slot)));
  const orphans = view.slots
    .filter(
      (s) =>
        s.slot < cap &&
        s.holder === me &&
        isLeaseValid(s, nowMs) &&
        !heldSet.has(s.slot) &&
        !leaving.has(s.slot),
    )
    .sort(bySlot);

  const holdings = new Map<string, number>(live.map((worker) => [worker, 0]));
  for (const item of items.values()) {
    if (item.slot >= cap || item.holder === undefined || item.holder === me) continue;
    if (!isLeaseValid(item, nowMs) || !holdings.has(item.holder)) continue;
    holdings.set(item.holder, (holdings.get(item.holder) ?? 0) + 1);
  }
  holdings.set(me, heldInCap.length + orphans.length);

  const shares = fairShares(subAccount, cap, live, holdings);
  const target = shares.get(me) ?? 0;
  const mine = holdings.get(me) ?? 0;

  const release = [...beyondCap];
  const discard: { slot: number; fence: number }[] = [];
  const acquire: number[] = [];
  if (mine > target) {
    let excess = mine - target;
    // Unused leases go first (no bind to close), then bound slots, highest first.
    for (const orphan of [...orphans].reverse()) {
      if (excess === 0) break;
      discard.push({ slot: orphan.slot, fence: orphan.fence });
      excess -= 1;
    }
    const keptOrphans = orphans.filter((o) => !discard.some((d) => d.slot === o.slot));
    acquire.push(...keptOrphans.map((o) => o.slot));
    for (const slot of [...heldInCap].sort(numeric).reverse()) {
      if (excess === 0) break;
      release.push(slot);
      excess -= 1;
    }
  } else {
    acquire.push(...orphans.map((o) => o.slot));
    const deficit = target - mine;
    if (deficit > 0)
      acquire.push(...pickFreeSlots(view, me, nowMs, live, holdings, shares, heldSet, leaving));
  }
  return {
    subAccount,
    target,
    acquire: acquire.sort(numeric),
    release: release.sort(numeric),
    discard: discard.sort(bySlot),
  };
}

/**
 * The free slots this worker should try: the needy workers (under their share), in ranking order, are
 * handed the free slots in order; this worker starts where its predecessors' deficits end, wrapping round
 * when there are fewer free slots than needs (then the store's condition decides who gets one).
 */
function pickFreeSlots(
  view: SubAccountLeaseView,
  me: string,
  nowMs: number,
  live: readonly string[],
  holdings: ReadonlyMap<string, number>,
  shares: ReadonlyMap<string, number>,
  heldSet: ReadonlySet<number>,
  leaving: ReadonlySet<number>,
): number[] {
  const items = new Map(view.slots.map((s) => [s.slot, s]));
  const free: number[] = [];
  for (let slot = 0; slot < view.cap; slot += 1) {
    const item = items.get(slot);
    if (heldSet.has(slot) || leaving.has(slot)) continue;
    // Own unexpired leases are orphans, already planned; here only what nobody validly holds.
    if (item !== undefined && isLeaseValid(item, nowMs)) continue;
    if (isAcquirable(item, me, nowMs)) free.push(slot);
  }
  if (free.length === 0) return [];
  let offset = 0;
  for (const worker of rankWorkers(view.subAccount, live, holdings)) {
    const deficit = Math.max(0, (shares.get(worker) ?? 0) - (holdings.get(worker) ?? 0));
    if (worker === me) {
      const count = Math.min(deficit, free.length);
      return Array.from({ length: count }, (_, i) => free[(offset + i) % free.length] as number);
    }
    offset += deficit;
  }
  return [];
}

function rankWorkers(
  subAccount: string,
  workers: readonly string[],
  holdings: ReadonlyMap<string, number>,
): string[] {
  return [...new Set(workers)]
    .map((worker) => ({ worker, count: holdings.get(worker) ?? 0, hash: rendezvousHash(subAccount, worker) }))
    .sort(
      (a, b) =>
        b.count - a.count || a.hash - b.hash || (a.worker < b.worker ? -1 : a.worker > b.worker ? 1 : 0),
    )
    .map((entry) => entry.worker);
}

/** FNV-1a (32 bit) of `subAccount NUL worker`: the same on every worker, different per sub-account. */
export function rendezvousHash(subAccount: string, worker: string): number {
  let hash = 0x811c9dc5;
  const text = `${subAccount}\u0000${worker}`;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function unique(values: readonly number[]): number[] {
  return [...new Set(values)];
}

function numeric(a: number, b: number): number {
  return a - b;
}

function bySlot(a: { slot: number }, b: { slot: number }): number {
  return a.slot - b.slot;
}
