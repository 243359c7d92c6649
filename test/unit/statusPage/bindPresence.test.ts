/**
 * The worker's side of the status page: what its presence item says about its binds. (The reporter lives in
 * worker/leases/BindPresenceReporter.ts; its tests are here with the page they serve.)
 */
import { describe, expect, it } from 'vitest';
import { BindPresenceReporter, type BindSnapshot } from '../../../worker/leases/BindPresenceReporter.js';
import { BindSecondCounter } from '../../../worker/leases/BindSecondCounter.js';
import { LeaseManager, type LeaseManagerOptions } from '../../../worker/leases/LeaseManager.js';
import type { WorkerPresence } from '../../../worker/leases/LeaseStore.js';
import { FakeLeaseStore } from '../leases/FakeLeaseStore.js';
import { FakeTime } from '../leases/fakeTime.js';

const T0 = 1_800_000_000_000;

const snapshot = (submitted: number, throttled = 0): BindSnapshot => ({
  name: 'demo#0',
  status: 'bound',
  bindMode: 'transceiver',
  inFlight: 2,
  queued: 0,
  queuedHigh: 0,
  window: 30,
  submitsPerSecond: 50,
  boundSince: undefined,
  submitted,
  accepted: submitted,
  rejected: 0,
  throttled,
  binds: 1,
  bindFailures: 0,
});

describe('BindPresenceReporter', () => {
  it("reports no rate on a tenure's first heartbeat, then submits per second since the previous one", () => {
    const reporter = new BindPresenceReporter();
    const first = reporter.report([{ subAccount: 'demo', slot: 0, fence: 3, snapshot: snapshot(10) }], T0);
    expect(first[0]?.submitRatePerSecond).toBeUndefined();
    const second = reporter.report(
      [{ subAccount: 'demo', slot: 0, fence: 3, snapshot: snapshot(110, 4) }],
      T0 + 2_000,
    );
    expect(second[0]).toMatchObject({
      subAccount: 'demo',
      slot: 0,
      fence: 3,
      status: 'bound',
      submitted: 110,
      submitsPerSecond: 50,
      submitRatePerSecond: 50,
      throttledPerSecond: 2,
      rateIntervalMs: 2_000,
      reportedAtMs: T0 + 2_000,
    });
  });

  it('starts over when the slot is bound under a new fence (a new bind, new counters)', () => {
    const reporter = new BindPresenceReporter();
    reporter.report([{ subAccount: 'demo', slot: 0, fence: 3, snapshot: snapshot(500) }], T0);
    const afterTakeover = reporter.report(
      [{ subAccount: 'demo', slot: 0, fence: 4, snapshot: snapshot(5) }],
      T0 + 2_000,
    );
    expect(afterTakeover[0]?.submitRatePerSecond).toBeUndefined();
  });

  it('forgets a tenure that was not in the last report', () => {
    const reporter = new BindPresenceReporter();
    reporter.report([{ subAccount: 'demo', slot: 1, fence: 1, snapshot: snapshot(10) }], T0);
    reporter.report([], T0 + 2_000);
    const back = reporter.report(
      [{ subAccount: 'demo', slot: 1, fence: 1, snapshot: snapshot(90) }],
      T0 + 4_000,
    );
    expect(back[0]?.submitRatePerSecond).toBeUndefined();
  });

  it("carries each bind's accepted submits and 0x58 answers per second, and only the whole seconds of its tenure", () => {
    const reporter = new BindPresenceReporter();
    const startedAt = T0 - 3_500; // T0 is a whole second
    const perSecond = new BindSecondCounter({ startedAtMs: startedAt, maxSeconds: 120 });
    for (let i = 0; i < 49; i += 1) perSecond.accepted(T0 - 3_000 + i * 20);
    for (let i = 0; i < 50; i += 1) perSecond.accepted(T0 - 2_000 + i * 20);
    perSecond.throttled(T0 - 1_100);
    const [entry] = reporter.report(
      [{ subAccount: 'demo', slot: 0, fence: 3, snapshot: snapshot(99, 1), perSecond }],
      T0 + 300,
    );
    expect(entry?.perSecond).toEqual({
      endMs: T0,
      accepted: [0, 49, 50, 0],
      throttled: [[2, 1]],
    });
  });

  it('keeps a report of four binds with two minutes of counts each well inside one presence item', () => {
    const reporter = new BindPresenceReporter();
    const binds = [0, 1, 2, 3].map((slot) => {
      const perSecond = new BindSecondCounter({ startedAtMs: T0 - 200_000, maxSeconds: 120 });
      for (let t = T0 - 200_000; t < T0; t += 20) perSecond.accepted(t);
      for (let t = T0 - 200_000; t < T0; t += 10_000) perSecond.throttled(t);
      return { subAccount: 'demo', slot, fence: 3, snapshot: snapshot(10_000, 20), perSecond };
    });
    const reports = reporter.report(binds, T0);
    expect(reports.map((entry) => entry.perSecond?.accepted.length)).toEqual([120, 120, 120, 120]);
    // JSON is a fair upper bound of DynamoDB's item size for numbers this small: far under 400 KB, and at
    // most 4 write units (1 KB each) per heartbeat with the rest of the presence item.
    const bytes = Buffer.byteLength(JSON.stringify(reports));
    console.log(`presence report of 4 binds with 120 s of counts (throttles in it): ${bytes} bytes as JSON`);
    expect(bytes).toBeLessThan(3_500);
  });

  it('writes no undefined values (the lease client does not strip them and DynamoDB refuses them)', () => {
    const reporter = new BindPresenceReporter();
    const reports = [
      ...reporter.report([{ subAccount: 'demo', slot: 0, fence: 1, snapshot: snapshot(0) }], T0),
      ...reporter.report([{ subAccount: 'demo', slot: 0, fence: 1, snapshot: snapshot(3) }], T0 + 1_000),
    ];
    for (const entry of reports) expect(Object.values(entry)).not.toContain(undefined);
  });
});

describe('LeaseManager presence with binds', () => {
  const manager = (
    store: FakeLeaseStore,
    time: FakeTime,
    presenceBinds: LeaseManagerOptions['presenceBinds'],
  ) => {
    const clock = time.clock();
    return new LeaseManager({
      workerId: 'w-a',
      subAccounts: [{ id: 'demo', bindCap: 2 }],
      store,
      leasePeriodMs: 15_000,
      now: clock.now,
      monotonicNow: clock.monotonicNow,
      timers: clock.timers,
      presenceBinds,
    });
  };
  const presenceWrites = (store: FakeLeaseStore) =>
    store.callsOf('putPresence').map((call) => call.args as WorkerPresence);

  it('writes what the binds report into every presence item', async () => {
    const time = new FakeTime(T0);
    const store = new FakeLeaseStore();
    const reporter = new BindPresenceReporter();
    let submitted = 0;
    const leases = manager(store, time, () => {
      submitted += 20;
      return reporter.report(
        [{ subAccount: 'demo', slot: 0, fence: 1, snapshot: snapshot(submitted) }],
        time.nowMs,
      );
    });
    leases.start();
    await time.flush();
    await time.advance(5_000);
    const writes = presenceWrites(store);
    expect(writes).toHaveLength(2);
    expect(writes[0]?.binds?.[0]).toMatchObject({ slot: 0, submitted: 20 });
    expect(writes[1]?.binds?.[0]).toMatchObject({ slot: 0, submitted: 40, submitRatePerSecond: 4 });
    expect(writes[1]?.aliveUntilMs).toBe(T0 + 5_000 + 12_000);
    await leases.releaseAll();
  });

  it('still writes the presence, without binds, when the report throws', async () => {
    const time = new FakeTime(T0);
    const store = new FakeLeaseStore();
    const leases = manager(store, time, () => {
      throw new Error('report failed');
    });
    leases.start();
    await time.flush();
    expect(presenceWrites(store)).toEqual([{ workerId: 'w-a', aliveUntilMs: T0 + 12_000 }]);
    expect(leases.holds('demo', 0)).toBe(true);
    await leases.releaseAll();
  });
});
