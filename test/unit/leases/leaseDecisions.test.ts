import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fairShares,
  isAcquirable,
  isLeaseValid,
  type LeaseSlot,
  nextLapseMs,
  planLeases,
  type SubAccountLeasePlan,
} from '../../../worker/leases/leaseDecisions.js';

const now = 1_800_000_000_000;
const L = 15_000;

const held = (slot: number, holder: string, fence = 1, expiresInMs = 10_000): LeaseSlot => ({
  slot,
  holder,
  fence,
  leaseExpiresAtMs: now + expiresInMs,
});
const released = (slot: number, fence = 1): LeaseSlot => ({
  slot,
  holder: undefined,
  fence,
  leaseExpiresAtMs: 0,
});

function planFor(
  workerId: string,
  liveWorkers: string[],
  slots: LeaseSlot[],
  extra: { cap?: number; held?: number[]; leaving?: number[]; nowMs?: number } = {},
): SubAccountLeasePlan {
  const [plan] = planLeases({
    workerId,
    nowMs: extra.nowMs ?? now,
    liveWorkers,
    subAccounts: [
      {
        subAccount: 'acme',
        cap: extra.cap ?? 4,
        slots,
        ...(extra.held ? { held: extra.held } : {}),
        ...(extra.leaving ? { leaving: extra.leaving } : {}),
      },
    ],
  });
  if (plan === undefined) throw new Error('no plan');
  return plan;
}

describe('planLeases', () => {
  it('takes every slot when it is the only live worker', () => {
    expect(planFor('w-a', [], [])).toMatchObject({
      target: 4,
      acquire: [0, 1, 2, 3],
      release: [],
      discard: [],
    });
  });

  it('splits the cap evenly and gives the odd slot to the worker that already holds it', () => {
    const slots = [held(0, 'w-a'), held(1, 'w-a'), held(2, 'w-b')];
    const a = planFor('w-a', ['w-a', 'w-b', 'w-c'], slots, { cap: 4 });
    const b = planFor('w-b', ['w-a', 'w-b', 'w-c'], slots, { cap: 4 });
    const c = planFor('w-c', ['w-a', 'w-b', 'w-c'], slots, { cap: 4 });
    expect([a.target, b.target, c.target]).toEqual([2, 1, 1]);
    expect([a.acquire, b.acquire, c.acquire]).toEqual([[], [], [3]]);
    expect([a.release, b.release, c.release]).toEqual([[], [], []]);
  });

  it('never plans to take a slot another worker validly holds, live or not', () => {
    const slots = [held(0, 'w-b'), held(1, 'w-gone', 3, 1), released(2), held(3, 'w-old', 7, -1)];
    const plan = planFor('w-a', ['w-a', 'w-b'], slots);
    expect(plan.acquire).toEqual([2, 3]);
  });

  it('takes a dead worker’s slot once its lease has expired, not a millisecond before', () => {
    const slots = [held(0, 'w-dead', 4, 0)];
    expect(planFor('w-a', ['w-a'], slots, { cap: 1 }).acquire).toEqual([]);
    expect(planFor('w-a', ['w-a'], slots, { cap: 1, nowMs: now + 1 }).acquire).toEqual([0]);
  });

  it('gives up the highest slots when a worker joins, keeping its share', () => {
    const slots = [0, 1, 2, 3].map((slot) => held(slot, 'w-a'));
    const plan = planFor('w-a', ['w-a', 'w-b'], slots);
    expect(plan).toMatchObject({ target: 2, acquire: [], release: [2, 3] });
    // The newcomer waits for them instead of planning to take a held slot.
    expect(planFor('w-b', ['w-a', 'w-b'], slots)).toMatchObject({ target: 2, acquire: [] });
  });

  it('lets exactly one of two equal holders keep the odd slot', () => {
    const slots = [held(0, 'w-a'), held(1, 'w-a'), held(2, 'w-b'), held(3, 'w-b')];
    const live = ['w-a', 'w-b', 'w-c'];
    const releases = live.map((worker) => planFor(worker, live, slots).release.length);
    expect(releases.reduce((sum, n) => sum + n, 0)).toBe(1);
  });

  it('does not count or re-plan a slot it is already giving up', () => {
    const slots = [0, 1, 2, 3].map((slot) => held(slot, 'w-a'));
    const plan = planFor('w-a', ['w-a', 'w-b'], slots, { held: [0, 1, 2], leaving: [3] });
    expect(plan).toMatchObject({ target: 2, release: [2], acquire: [] });
  });

  it('frees its unused leases first when over its share, and takes them back when within it', () => {
    const slots = [held(0, 'w-a', 5), held(1, 'w-a', 6), held(2, 'w-a', 7)];
    // Slot 2 is ours in the table but not in use (its acquire answered too late, say).
    const over = planFor('w-a', ['w-a', 'w-b'], slots, { cap: 2, held: [0, 1] });
    expect(over).toMatchObject({ target: 1, release: [1], discard: [], acquire: [] });
    const overWithOrphan = planFor('w-a', ['w-a', 'w-b'], slots, { cap: 4, held: [0], nowMs: now });
    expect(overWithOrphan).toMatchObject({
      target: 2,
      discard: [{ slot: 2, fence: 7 }],
      acquire: [1],
      release: [],
    });
    const within = planFor('w-a', ['w-a'], slots, { cap: 4, held: [0] });
    expect(within).toMatchObject({ target: 4, acquire: [1, 2, 3], discard: [] });
  });

  it('gives up slots beyond a lowered cap', () => {
    const slots = [held(0, 'w-a'), held(3, 'w-a')];
    expect(planFor('w-a', ['w-a'], slots, { cap: 2 })).toMatchObject({ release: [3], acquire: [1] });
  });

  it('with fewer slots than workers, leaves the holders alone', () => {
    const slots = [held(0, 'w-c')];
    const live = ['w-a', 'w-b', 'w-c'];
    expect(live.map((w) => planFor(w, live, slots, { cap: 1 }))).toEqual(
      live.map(() => expect.objectContaining({ acquire: [], release: [] })),
    );
  });

  it('points needy workers at different free slots', () => {
    const live = ['w-a', 'w-b', 'w-c', 'w-d'];
    const acquires = live.flatMap((worker) => planFor(worker, live, []).acquire);
    expect(acquires.sort()).toEqual([0, 1, 2, 3]);
  });
});

describe('fairShares', () => {
  it('adds up to the cap and differs by at most one', () => {
    const shares = fairShares('acme', 4, ['a', 'b', 'c'], new Map());
    expect([...shares.values()].reduce((sum, n) => sum + n, 0)).toBe(4);
    expect(Math.max(...shares.values()) - Math.min(...shares.values())).toBe(1);
  });

  it('spreads the odd slots of different sub-accounts over different workers', () => {
    const winners = new Set(
      Array.from({ length: 20 }, (_, i) => {
        const shares = fairShares(`sub-${i}`, 1, ['a', 'b', 'c'], new Map());
        return [...shares].find(([, share]) => share === 1)?.[0];
      }),
    );
    expect(winners.size).toBeGreaterThan(1);
  });
});

describe('isAcquirable mirrors the store condition', () => {
  it('free, expired or already mine', () => {
    expect(isAcquirable(undefined, 'w-a', now)).toBe(true);
    expect(isAcquirable(released(0), 'w-a', now)).toBe(true);
    expect(isAcquirable(held(0, 'w-b', 1, -1), 'w-a', now)).toBe(true);
    expect(isAcquirable(held(0, 'w-b', 1, 0), 'w-a', now)).toBe(false);
    expect(isAcquirable(held(0, 'w-a', 1, 5_000), 'w-a', now)).toBe(true);
  });
});

// ---- properties ------------------------------------------------------------------------------------------

const workerPool = ['w-a', 'w-b', 'w-c', 'w-d', 'w-e', 'w-f'];

/** A random fleet: live workers, some dead ones, a cap, and a slot table in any state. */
const fleetArbitrary = fc
  .record({
    cap: fc.integer({ min: 1, max: 4 }),
    live: fc.subarray(workerPool, { minLength: 1 }),
    dead: fc.subarray(['x-1', 'x-2'], { minLength: 0 }),
  })
  .chain(({ cap, live, dead }) =>
    fc.record({
      cap: fc.constant(cap),
      live: fc.constant(live),
      dead: fc.constant(dead),
      slots: fc.tuple(
        ...Array.from({ length: cap }, (_, slot) =>
          fc.oneof(
            fc.constant(undefined),
            fc.record({
              slot: fc.constant(slot),
              holder: fc.option(fc.constantFrom(...live, ...dead), { nil: undefined }),
              fence: fc.integer({ min: 1, max: 50 }),
              leaseExpiresAtMs: fc.oneof(fc.constant(0), fc.integer({ min: now - L, max: now + L })),
            }),
          ),
        ),
      ),
    }),
  )
  .map(({ cap, live, dead, slots }) => ({
    cap,
    live,
    dead,
    slots: slots.filter((slot): slot is LeaseSlot => slot !== undefined),
  }));

function planOf(
  workerId: string,
  live: readonly string[],
  cap: number,
  slots: readonly LeaseSlot[],
  nowMs = now,
) {
  const [plan] = planLeases({
    workerId,
    nowMs,
    liveWorkers: live,
    subAccounts: [{ subAccount: 'acme', cap, slots }],
  });
  if (plan === undefined) throw new Error('no plan');
  return plan;
}

describe('nextLapseMs: when to look again for a lease its holder stopped renewing', () => {
  const view = (slots: LeaseSlot[], cap = 4) => [{ subAccount: 'acme', cap, slots }];

  it('names the first moment the store lets go of another worker’s lease before the next heartbeat', () => {
    const slots = [held(0, 'w-a', 1, 4_000), held(1, 'w-b', 1, 2_000), held(2, 'w-a', 1, 14_000)];
    expect(nextLapseMs('w-me', now, now + 5_000, view(slots))).toBe(now + 2_001);
  });

  it('ignores its own leases, released and expired slots, slots beyond the cap, and lapses after the next heartbeat', () => {
    const slots = [
      held(0, 'w-me', 1, 1_000),
      released(1),
      held(2, 'w-a', 1, -1),
      held(3, 'w-a', 1, 12_000),
      held(4, 'w-b', 1, 1_000),
    ];
    expect(nextLapseMs('w-me', now, now + 5_000, view(slots))).toBeUndefined();
  });
});

describe('planLeases properties', () => {
  it('never plans beyond the cap or its share, nor a slot someone else validly holds', () => {
    fc.assert(
      fc.property(fleetArbitrary, ({ cap, live, slots }) => {
        for (const worker of live) {
          const plan = planOf(worker, live, cap, slots);
          const mine = slots.filter((s) => s.holder === worker && isLeaseValid(s, now)).map((s) => s.slot);
          const after = new Set([...mine.filter((s) => !plan.release.includes(s)), ...plan.acquire]);
          for (const d of plan.discard) after.delete(d.slot);
          expect(after.size).toBeLessThanOrEqual(plan.target);
          expect(plan.target).toBeLessThanOrEqual(Math.ceil(cap / live.length));
          for (const slot of plan.acquire) {
            expect(slot).toBeGreaterThanOrEqual(0);
            expect(slot).toBeLessThan(cap);
            const item = slots.find((s) => s.slot === slot);
            expect(item === undefined || !isLeaseValid(item, now) || item.holder === worker).toBe(true);
          }
          expect(new Set(plan.acquire).size).toBe(plan.acquire.length);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('from one snapshot, nobody gives up more than its excess and no two workers both drop a slot they need', () => {
    fc.assert(
      fc.property(fleetArbitrary, ({ cap, live, slots }) => {
        const valid = slots.filter((s) => s.holder !== undefined && isLeaseValid(s, now));
        const holdings = new Map(live.map((w) => [w, valid.filter((s) => s.holder === w).length]));
        const shares = fairShares('acme', cap, live, holdings);
        let released = 0;
        for (const worker of live) {
          const plan = planOf(worker, live, cap, slots);
          const count = holdings.get(worker) ?? 0;
          const share = shares.get(worker) ?? 0;
          expect(plan.target).toBe(share);
          const dropped = plan.release.length + plan.discard.length;
          expect(count - dropped).toBeGreaterThanOrEqual(Math.min(count, share));
          released += dropped;
        }
        const excess = live.reduce(
          (sum, w) => sum + Math.max(0, (holdings.get(w) ?? 0) - (shares.get(w) ?? 0)),
          0,
        );
        expect(released).toBe(excess);
      }),
      { numRuns: 500 },
    );
  });

  it('converges to within one of even when every worker applies its plan each heartbeat', () => {
    fc.assert(
      fc.property(
        fleetArbitrary,
        fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 12, maxLength: 12 }),
        ({ cap, live, slots }, orderSeeds) => {
          const table = new Map(slots.map((s) => [s.slot, s]));
          let t = now;
          const heartbeat = L / 3;
          const round = (seed: number) => {
            t += heartbeat;
            // Renewals first (every live worker renews what it holds), as a heartbeat does.
            for (const [slot, item] of table) {
              if (
                item.holder !== undefined &&
                live.includes(item.holder) &&
                item.leaseExpiresAtMs >= t - heartbeat
              )
                table.set(slot, { ...item, leaseExpiresAtMs: t + L });
            }
            // Everyone plans from the same snapshot, then the writes land in some order.
            const snapshot = [...table.values()];
            const plans = live.map((worker) => ({ worker, plan: planOf(worker, live, cap, snapshot, t) }));
            const order = [...plans].sort(
              (a, b) =>
                ((seed * (live.indexOf(a.worker) + 7)) % 13) - ((seed * (live.indexOf(b.worker) + 7)) % 13),
            );
            for (const { worker, plan } of order) {
              for (const slot of [...plan.release, ...plan.discard.map((d) => d.slot)]) {
                const item = table.get(slot);
                if (item?.holder === worker)
                  table.set(slot, { ...item, holder: undefined, leaseExpiresAtMs: 0 });
              }
              for (const slot of plan.acquire) {
                const item = table.get(slot);
                if (!isAcquirable(item, worker, t)) continue;
                table.set(slot, {
                  slot,
                  holder: worker,
                  fence: (item?.fence ?? 0) + 1,
                  leaseExpiresAtMs: t + L,
                });
              }
            }
          };
          for (const seed of orderSeeds) round(seed);
          const counts = live.map(
            (w) => [...table.values()].filter((s) => s.holder === w && s.leaseExpiresAtMs >= t).length,
          );
          expect(counts.reduce((sum, n) => sum + n, 0)).toBe(cap);
          expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
          // And it stays put: another heartbeat moves nothing.
          const before = JSON.stringify([...table.values()].map((s) => [s.slot, s.holder, s.fence]));
          round(1);
          expect(JSON.stringify([...table.values()].map((s) => [s.slot, s.holder, s.fence]))).toBe(before);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('is deterministic: the same snapshot gives the same plan', () => {
    fc.assert(
      fc.property(fleetArbitrary, ({ cap, live, slots }) => {
        for (const worker of live) {
          expect(planOf(worker, [...live].reverse(), cap, [...slots].reverse())).toEqual(
            planOf(worker, live, cap, slots),
          );
        }
      }),
    );
  });
});
