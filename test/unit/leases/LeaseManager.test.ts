import type { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { LeaseManagerOptionsError, LeaseManagerStoppedError } from '../../../worker/leases/errors.js';
import {
  LeaseManager,
  type LeaseManagerEvents,
  type LeaseManagerOptions,
} from '../../../worker/leases/LeaseManager.js';
import { FakeLeaseStore } from './FakeLeaseStore.js';
import { type FakeClock, FakeTime } from './fakeTime.js';

const T0 = 1_800_000_000_000;
const L = 15_000;
const H = 5_000;
const M = 3_000;

type Recorded = { [K in keyof LeaseManagerEvents]: { at: number; args: LeaseManagerEvents[K][0] } };
type EventLog = { [K in keyof Recorded]: Recorded[K][] };

function record(manager: LeaseManager, time: FakeTime): EventLog {
  const log: EventLog = { acquired: [], releasing: [], released: [], lost: [], storeError: [], status: [] };
  for (const name of Object.keys(log) as (keyof EventLog)[]) {
    const entries = log[name] as { at: number; args: unknown }[];
    (manager as unknown as EventEmitter).on(name, (args: unknown) =>
      entries.push({ at: time.nowMs - T0, args }),
    );
  }
  return log;
}

function worker(
  time: FakeTime,
  store: FakeLeaseStore,
  workerId: string,
  options: Partial<LeaseManagerOptions> & { clock?: FakeClock } = {},
) {
  const clock = options.clock ?? time.clock();
  const manager = new LeaseManager({
    workerId,
    subAccounts: [{ id: 'acme', bindCap: 4 }],
    store,
    leasePeriodMs: L,
    heartbeatMs: H,
    safetyMarginMs: M,
    now: clock.now,
    monotonicNow: clock.monotonicNow,
    timers: clock.timers,
    ...options,
  });
  const events = record(manager, time);
  return { manager, events, clock };
}

const slotsHeld = (manager: LeaseManager, cap = 4) =>
  Array.from({ length: cap }, (_, slot) => slot).filter((slot) => manager.holds('acme', slot));

describe('LeaseManager', () => {
  it('takes every slot when alone and renews each one every heartbeat', async () => {
    const time = new FakeTime(T0);
    const store = new FakeLeaseStore();
    const { manager, events } = worker(time, store, 'w-a');
    manager.start();
    await time.flush();
    expect(events.acquired.map((e) => e.args)).toEqual(
      [0, 1, 2, 3].map((slot) => ({ subAccount: 'acme', slot, fence: 1 })),
    );
    expect(slotsHeld(manager)).toEqual([0, 1, 2, 3]);
    expect(store.presence.get('w-a')).toBe(T0 + L - M);

    await time.advance(H);
    expect(store.callsOf('renew')).toHaveLength(4);
    expect(store.slot('acme', 0)?.leaseExpiresAtMs).toBe(T0 + H + L);
    // First heartbeat: presence write + read, one slot read, 4 acquisitions. Then per heartbeat: one
    // renewal per slot, presence write + read, one slot read per sub-account.
    expect(store.calls.length).toBe(3 + 4 + (4 + 3));
  });

  it('emits lost at the last renewal + lease − margin while the renewal still hangs, before anyone else may take it', async () => {
    const time = new FakeTime(T0);
    const store = new FakeLeaseStore();
    const { manager, events } = worker(time, store, 'w-a', { subAccounts: [{ id: 'acme', bindCap: 1 }] });
    manager.start();
    await time.flush();
    await time.advance(H); // renewed at T0 + 5 s: deadline T0 + 17 s, store expiry T0 + 20 s
    store.intercept = (operation) => (operation === 'renew' ? 'hang' : undefined);

    await time.advanceTo(T0 + H + L - M - 1);
    expect(manager.holds('acme', 0)).toBe(true);
    expect(events.lost).toEqual([]);
    await time.advance(1);
    expect(manager.holds('acme', 0)).toBe(false);
    expect(events.lost.map((e) => [e.at, e.args])).toEqual([
      [H + L - M, { subAccount: 'acme', slot: 0, fence: 1, reason: 'renewal-overdue' }],
    ]);
    // The hanging renewals were given up on (timeouts), not waited for.
    expect(events.storeError.map((e) => e.args.operation)).toContain('renew');

    // Nobody else gets the slot until the store's expiry (M later, room for clock skew) has passed.
    expect(
      await store.acquire({ subAccount: 'acme', slot: 0, holder: 'w-b', nowMs: T0 + H + L, leaseMs: L }),
    ).toEqual(expect.objectContaining({ outcome: 'held' }));
    expect(
      await store.acquire({ subAccount: 'acme', slot: 0, holder: 'w-b', nowMs: T0 + H + L + 1, leaseMs: L }),
    ).toEqual(expect.objectContaining({ outcome: 'acquired', fence: 2 }));
  });

  it('emits lost at once when the store refuses a renewal because someone else took the slot', async () => {
    const time = new FakeTime(T0);
    const store = new FakeLeaseStore();
    const { manager, events } = worker(time, store, 'w-a', { subAccounts: [{ id: 'acme', bindCap: 1 }] });
    manager.start();
    await time.flush();
    store.setSlot('acme', { slot: 0, holder: 'w-b', fence: 2, leaseExpiresAtMs: T0 + 2 * L });
    await time.advance(H);
    expect(events.lost.map((e) => [e.at, e.args.reason])).toEqual([[H, 'taken-over']]);
    expect(manager.holds('acme', 0)).toBe(false);
  });

  it('does not revive a lease whose renewal answers after the deadline, and takes it back with a new fence', async () => {
    const time = new FakeTime(T0);
    const store = new FakeLeaseStore();
    const { manager, events } = worker(time, store, 'w-a', {
      subAccounts: [{ id: 'acme', bindCap: 1 }],
      callTimeoutMs: 2_400,
    });
    manager.start();
    await time.flush();
    // Renewal at 5 s fails; the one at 10 s lands in the store at once but its answer comes at 12.3 s.
    store.intercept = (operation) => {
      if (operation !== 'renew') return undefined;
      if (time.nowMs - T0 < 2 * H) return new Error('connection reset');
      return { answerLater: (deliver) => time.schedule(undefined, 2_300, deliver) };
    };
    await time.advanceTo(T0 + L - M);
    expect(events.lost.map((e) => [e.at, e.args.reason])).toEqual([[L - M, 'renewal-overdue']]);
    await time.advanceTo(T0 + 2 * H + 2_300);
    // The late answer changes nothing locally, but the table says the slot is ours (that renewal landed):
    // the same heartbeat takes it back, with a new fence, so the caller binds afresh.
    expect(events.acquired.map((e) => [e.at, e.args.fence])).toEqual([
      [0, 1],
      [2 * H + 2_300, 2],
    ]);
    expect(events.lost).toHaveLength(1);
    expect(manager.holds('acme', 0)).toBe(true);
  });

  it('gives up slots for a joining worker only after the caller has unbound them', async () => {
    const time = new FakeTime(T0);
    const store = new FakeLeaseStore();
    const a = worker(time, store, 'w-a');
    const pending: (() => void)[] = [];
    a.manager.on('releasing', ({ unbound }) => pending.push(unbound));
    a.manager.start();
    await time.flush();
    store.presence.set('w-b', T0 + L);

    await time.advance(H);
    expect(a.events.releasing.map((e) => e.args.slot)).toEqual([2, 3]);
    // Still ours (and renewed) while the binds close.
    expect(store.slot('acme', 3)).toMatchObject({ holder: 'w-a', leaseExpiresAtMs: T0 + H + L });
    expect(slotsHeld(a.manager)).toEqual([0, 1, 2, 3]);

    pending[1]?.();
    await time.flush();
    expect(a.events.released.map((e) => e.args.slot)).toEqual([3]);
    expect(store.slot('acme', 3)).toMatchObject({ holder: undefined, leaseExpiresAtMs: 0, fence: 1 });
    expect(slotsHeld(a.manager)).toEqual([0, 1, 2]);

    // Slot 2's bind is still closing: renewed, not given up twice.
    await time.advance(H);
    expect(a.events.releasing).toHaveLength(2);
    expect(store.slot('acme', 2)).toMatchObject({ holder: 'w-a', leaseExpiresAtMs: T0 + 2 * H + L });
  });

  it('releases at once when nothing listens for releasing (nothing was bound)', async () => {
    const time = new FakeTime(T0);
    const store = new FakeLeaseStore();
    const clock = time.clock();
    const manager = new LeaseManager({
      workerId: 'w-a',
      subAccounts: [{ id: 'acme', bindCap: 2 }],
      store,
      leasePeriodMs: L,
      now: clock.now,
      monotonicNow: clock.monotonicNow,
      timers: clock.timers,
    });
    manager.start();
    await time.flush();
    store.presence.set('w-b', T0 + L);
    await time.advance(H);
    expect(store.slot('acme', 1)).toMatchObject({ holder: undefined, leaseExpiresAtMs: 0 });
    expect(manager.holds('acme', 0)).toBe(true);
    expect(manager.holds('acme', 1)).toBe(false);
  });

  it('rebalances between two managers as one joins and the other leaves, never sharing a slot', async () => {
    const time = new FakeTime(T0);
    const store = new FakeLeaseStore();
    const a = worker(time, store, 'w-a');
    const b = worker(time, store, 'w-b', { clock: time.clock({ skewMs: 700 }) });
    time.onStep(() => {
      for (let slot = 0; slot < 4; slot += 1) {
        expect(a.manager.holds('acme', slot) && b.manager.holds('acme', slot), `slot ${slot}`).toBe(false);
      }
    });
    // The caller closes a bind at once when asked.
    for (const { manager } of [a, b]) manager.on('releasing', ({ unbound }) => unbound());
    a.manager.start();
    await time.flush();
    await time.advance(2_000);
    b.manager.start();
    await time.flush();
    expect(slotsHeld(b.manager)).toEqual([]);
    // a's next heartbeat sees b and gives up two; b's next heartbeat takes them.
    await time.advanceTo(T0 + 2_000 + H);
    expect(slotsHeld(a.manager)).toEqual([0, 1]);
    expect(slotsHeld(b.manager)).toEqual([2, 3]);
    expect(b.events.acquired.map((e) => e.args.fence)).toEqual([2, 2]);

    // a leaves cleanly: b takes everything on its next heartbeat.
    await time.advance(1_000);
    await a.manager.stop();
    await a.manager.releaseAll();
    const leftAt = time.nowMs;
    await time.advance(H);
    expect(slotsHeld(b.manager)).toEqual([0, 1, 2, 3]);
    expect(Math.max(...b.events.acquired.map((e) => e.at)) - (leftAt - T0)).toBeLessThanOrEqual(H);
  });

  it('takes the slots a draining worker frees within drainWatchMs of the release, renewing only every heartbeat', async () => {
    const time = new FakeTime(T0);
    const store = new FakeLeaseStore();
    const a = worker(time, store, 'w-a');
    const b = worker(time, store, 'w-b');
    for (const { manager } of [a, b]) manager.on('releasing', ({ unbound }) => unbound());
    a.manager.start();
    await time.advance(1_000);
    b.manager.start();
    await time.advance(2 * H);
    expect(slotsHeld(a.manager)).toEqual([0, 1]);
    expect(slotsHeld(b.manager)).toEqual([2, 3]);

    // SIGTERM to w-a: its binds take 7 s to drain, longer than w-b's heartbeat, so w-b sees the drain.
    await a.manager.stop();
    const renewalsBefore = store.callsOf('renew').length;
    await time.advance(7_000);
    const releasedAt = time.nowMs;
    await a.manager.releaseAll();
    await time.advance(500);
    expect(slotsHeld(b.manager)).toEqual([0, 1, 2, 3]);
    const takenAt = b.events.acquired.filter((e) => e.args.slot < 2).map((e) => e.at + T0 - releasedAt);
    expect(Math.max(...takenAt)).toBeLessThanOrEqual(500);
    // The looks meanwhile only read: 7 s is one or two regular heartbeats of each, 2 renewals per worker each.
    const renewals = store.callsOf('renew').length - renewalsBefore;
    expect(renewals).toBeGreaterThanOrEqual(2 * 2);
    expect(renewals).toBeLessThanOrEqual(2 * 2 * 2);

    // w-a is gone: w-b is back to one read round per heartbeat.
    await time.advance(H);
    const readsBefore = store.callsOf('listPresence').length;
    await time.advance(3 * H);
    expect(store.callsOf('listPresence').length - readsBefore).toBe(3);
  });

  it('takes over a crashed worker’s slots the moment their leases lapse, not at its next regular heartbeat', async () => {
    const time = new FakeTime(T0);
    const store = new FakeLeaseStore();
    const b = worker(time, store, 'w-b');
    // w-dead held two slots and renewed them (and its presence) last at T0.
    store.presence.set('w-dead', T0 + L - M);
    store.setSlot('acme', { slot: 0, holder: 'w-dead', fence: 3, leaseExpiresAtMs: T0 + L });
    store.setSlot('acme', { slot: 1, holder: 'w-dead', fence: 5, leaseExpiresAtMs: T0 + L });
    b.manager.start();
    await time.flush();
    expect(slotsHeld(b.manager)).toEqual([2, 3]);
    await time.advanceTo(T0 + L + H);
    expect(slotsHeld(b.manager)).toEqual([0, 1, 2, 3]);
    // The store lets go a millisecond after the expiry; the regular heartbeat would have come at L + H.
    expect(b.events.acquired.filter((e) => e.args.slot < 2).map((e) => [e.at, e.args.fence])).toEqual([
      [L + 1, 4],
      [L + 1, 6],
    ]);
  });

  it('takes a lapsed lease between two regular heartbeats, and then keeps its regular cadence', async () => {
    const time = new FakeTime(T0);
    const store = new FakeLeaseStore();
    const b = worker(time, store, 'w-b');
    // Its last renewal was 2.5 s before w-b started: the lease lapses halfway between w-b's heartbeats.
    const lapsesAt = T0 - 2_500 + L;
    store.presence.set('w-dead', lapsesAt - M);
    store.setSlot('acme', { slot: 0, holder: 'w-dead', fence: 3, leaseExpiresAtMs: lapsesAt });
    b.manager.start();
    await time.advanceTo(lapsesAt + 1);
    expect(slotsHeld(b.manager)).toEqual([0, 1, 2, 3]);
    expect(b.events.acquired.find((e) => e.args.slot === 0)?.at).toBe(lapsesAt + 1 - T0);
    // Nothing lapses any more: heartbeats (one presence read each) come every H from the early one.
    const readsBefore = store.callsOf('listPresence').length;
    await time.advance(3 * H);
    expect(store.callsOf('listPresence').length - readsBefore).toBe(3);
  });

  it('adds no heartbeat for leases their holders keep renewing', async () => {
    const time = new FakeTime(T0);
    const store = new FakeLeaseStore();
    const a = worker(time, store, 'w-a');
    const b = worker(time, store, 'w-b');
    a.manager.start();
    await time.advance(1_700);
    b.manager.start();
    await time.advance(10 * H);
    // Each started one heartbeat at once and then one every H.
    expect(store.callsOf('listPresence').length).toBe(2 * 11);
  });

  it('keeps renewing but takes nothing new after stop(); releaseAll() frees every slot and its presence', async () => {
    const time = new FakeTime(T0);
    const store = new FakeLeaseStore();
    const { manager, events } = worker(time, store, 'w-a', { subAccounts: [{ id: 'acme', bindCap: 3 }] });
    store.setSlot('acme', { slot: 2, holder: 'w-x', fence: 1, leaseExpiresAtMs: T0 + 1_000 });
    manager.start();
    await time.flush();
    await Promise.all([manager.stop(), manager.stop()]);
    expect(manager.status).toBe('draining');
    await time.flush();
    // The others learn it at once: its presence says draining (and stays live while it drains).
    expect(store.draining.has('w-a')).toBe(true);
    const renewalsBefore = store.callsOf('renew').length;
    await time.advance(3 * H);
    // A drain longer than the lease is not cut short: still renewed; slot 2 (expired since) not taken.
    expect(store.callsOf('renew').length).toBe(renewalsBefore + 3 * 2);
    expect(events.lost).toEqual([]);
    expect(manager.holds('acme', 0)).toBe(true);
    expect(store.callsOf('acquire')).toHaveLength(2);

    await Promise.all([manager.releaseAll(), manager.releaseAll()]);
    expect(manager.status).toBe('stopped');
    expect(events.released.map((e) => e.args.slot)).toEqual([0, 1]);
    expect(store.slot('acme', 0)).toMatchObject({ holder: undefined, leaseExpiresAtMs: 0 });
    expect(store.presence.has('w-a')).toBe(false);
    expect(store.draining.has('w-a')).toBe(false);
    expect(manager.holds('acme', 0)).toBe(false);
    await time.advance(3 * H);
    expect(store.callsOf('renew').length).toBe(renewalsBefore + 6);
    expect(() => manager.start()).toThrow(LeaseManagerStoppedError);
  });

  it('gives back a slot whose acquisition answers after stop()', async () => {
    const time = new FakeTime(T0);
    const store = new FakeLeaseStore();
    const { manager, events } = worker(time, store, 'w-a', { subAccounts: [{ id: 'acme', bindCap: 1 }] });
    store.intercept = (operation) =>
      operation === 'acquire'
        ? { answerLater: (deliver) => time.schedule(undefined, 100, deliver) }
        : undefined;
    manager.start();
    await time.flush();
    const stopped = manager.stop();
    await time.advance(100);
    await stopped;
    expect(events.acquired).toEqual([]);
    expect(store.slot('acme', 0)).toMatchObject({ holder: undefined, fence: 1 });
  });

  it('reports store failures and keeps heartbeating; the lease runs out at its deadline', async () => {
    const time = new FakeTime(T0);
    const store = new FakeLeaseStore();
    const { manager, events } = worker(time, store, 'w-a', { subAccounts: [{ id: 'acme', bindCap: 1 }] });
    manager.start();
    await time.flush();
    store.intercept = () => new Error('ThrottlingException');
    await time.advance(L);
    expect(events.lost.map((e) => [e.at, e.args.reason])).toEqual([[L - M, 'renewal-overdue']]);
    expect(new Set(events.storeError.map((e) => e.args.operation))).toEqual(
      new Set(['renew', 'putPresence', 'listPresence', 'listSlots']),
    );
    store.intercept = () => undefined;
    await time.advance(H);
    expect(manager.holds('acme', 0)).toBe(true);
  });

  it('prunes presence items of workers dead for over a lease period', async () => {
    const time = new FakeTime(T0);
    const store = new FakeLeaseStore();
    store.presence.set('w-long-gone', T0 - L - 1);
    store.presence.set('w-just-gone', T0 - 1);
    const { manager } = worker(time, store, 'w-a');
    manager.start();
    await time.flush();
    expect([...store.presence.keys()].sort()).toEqual(['w-a', 'w-just-gone']);
  });

  it('refuses options that cannot keep the cap, naming each', () => {
    const store = new FakeLeaseStore();
    const build = (options: Partial<LeaseManagerOptions>) => () =>
      new LeaseManager({
        workerId: 'w',
        subAccounts: [{ id: 'acme', bindCap: 4 }],
        store,
        leasePeriodMs: L,
        ...options,
      });
    expect(build({ heartbeatMs: 6_000 })).toThrow(/heartbeatMs: must be at most a third/);
    expect(build({ heartbeatMs: 5_000, callTimeoutMs: 5_000 })).toThrow(/callTimeoutMs/);
    expect(build({ safetyMarginMs: 8_000 })).toThrow(/safetyMarginMs: leaves no time to renew/);
    expect(build({ workerId: '' })).toThrow(LeaseManagerOptionsError);
    expect(build({})().settings).toEqual({
      leasePeriodMs: L,
      heartbeatMs: 5_000,
      safetyMarginMs: 3_000,
      callTimeoutMs: 2_500,
      presenceMs: 12_000,
      drainWatchMs: 500,
    });
  });
});
