/**
 * The bind cap across a fleet: LeaseManagers in one process, each on its own skewed fake clock, through the
 * real DynamoDbLeaseStore against the emulator. After every instant fake time stops at, Fleet.check()
 * asserts that no two managers both hold a slot, that nothing beyond the cap is held, and that no worker
 * that is running has a bind open without a valid lease; every `acquired` checks that the fence grew.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { defaultLeasePeriodMs } from '../../../core/fleetConfig.js';
import { DynamoDbLeaseStore } from '../../../worker/leases/DynamoDbLeaseStore.js';
import { FakeTime } from '../../unit/leases/fakeTime.js';
import { useAwsEmulator } from '../aws/emulatorFixture.js';
import { Fleet, type FleetMember, RealCalls } from './fleetHarness.js';
import { createLeasesTable } from './leasesTable.js';

const aws = useAwsEmulator();

const T0 = 1_800_000_000_000;
const subAccounts = [
  { id: 'acme', bindCap: 4 },
  { id: 'beta', bindCap: 2 },
];

// The lease the tests were written for (15 s) and the fleet config's default: every time and clock skew in a
// case is a fraction of L, so the same story runs at both (network delays stay as they are: they do not shrink
// with the lease).
describe.each([
  { L: 15_000, what: 'the original 15 s lease' },
  { L: defaultLeasePeriodMs, what: 'the fleet config default lease' },
])('LeaseManager fleet against DynamoDB, $what ($L ms)', ({ L }) => {
  const H = L / 3;
  const M = L / 5;
  /** Clock skews, written for L = 15 s: 1.4 s there. */
  const skew = (ms: number) => Math.round((ms * L) / 15_000);

  let time: FakeTime;
  let fleet: Fleet;
  let store: DynamoDbLeaseStore;

  beforeEach(async () => {
    const tableName = await createLeasesTable(aws().dynamodb, 'fleet');
    const calls = new RealCalls();
    time = new FakeTime(T0, { settle: calls.settle });
    store = new DynamoDbLeaseStore({ client: aws().documentClient, tableName });
    fleet = new Fleet(time, store, calls, subAccounts, L);
  });

  /** Three workers, clocks up to M/2 either side of true time, some on a slow network; settled. */
  async function steadyFleetOfThree(): Promise<FleetMember[]> {
    const a = fleet.start('w-a', { skewMs: skew(1_400) });
    await time.advance(skew(1_700));
    const b = fleet.start('w-b', { skewMs: skew(-1_400), replyDelayMs: 150 });
    await time.advance(skew(1_600));
    const c = fleet.start('w-c', { skewMs: skew(600), requestDelayMs: 80, replyDelayMs: 80 });
    await time.advance(4 * H);
    expectEven([a, b, c]);
    return [a, b, c];
  }

  function expectEven(members: readonly FleetMember[]): void {
    for (const { id, bindCap } of subAccounts) {
      const counts = fleet.counts(id, members);
      expect(
        counts.reduce((sum, n) => sum + n, 0),
        `${id} fully used`,
      ).toBe(bindCap);
      expect(Math.max(...counts) - Math.min(...counts), `${id} spread ${counts}`).toBeLessThanOrEqual(1);
    }
  }

  /** The next true time (ms since start) at which `member` heartbeats, after `after`. */
  function nextHeartbeat(member: FleetMember, after: number): number {
    return member.startedAt + Math.ceil((after - member.startedAt + 1) / H) * H;
  }

  function heldBy(member: FleetMember): { subAccount: string; slot: number }[] {
    return member.manager.leases().map(({ subAccount, slot }) => ({ subAccount, slot }));
  }

  it('spreads slots within one of even and hands them over as workers join, never sharing one', async () => {
    const members = await steadyFleetOfThree();
    const d = fleet.start('w-d', { skewMs: skew(-200) });
    await time.advance(3 * H);
    expectEven([...members, d]);
    expect(fleet.counts('acme', [...members, d])).toEqual([1, 1, 1, 1]);
    expect(fleet.checks).toBeGreaterThan(50);
  });

  it('a worker frozen past its lease has stopped before anyone else takes its slots, and its late calls change nothing', async () => {
    const [a, b, c] = await steadyFleetOfThree();
    if (a === undefined || b === undefined || c === undefined) throw new Error('fleet');
    // Freeze c 40 ms after a heartbeat began: its renewals have not left yet (its requests take 80 ms).
    const freezeAt = nextHeartbeat(c, fleet.elapsed) + 40;
    await time.advanceTo(T0 + freezeAt);
    const frozenSlots = heldBy(c);
    expect(frozenSlots.length).toBeGreaterThan(0);
    c.clock.freeze();

    await time.advance(2 * L);
    // Its leases ran out on its own clock's deadline (holds() reads the clock even while frozen) and the
    // others took the slots over; the checks after every step saw no overlap.
    expect(heldBy(c)).toEqual([]);
    expectEven([a, b]);
    for (const { subAccount, slot } of frozenSlots) {
      const takeover = fleet.acquisitions.find(
        (x) => x.subAccount === subAccount && x.slot === slot && x.member !== 'w-c' && x.at > freezeAt,
      );
      expect(takeover, `${subAccount}#${slot} taken over`).toBeDefined();
    }

    const thawAt = fleet.elapsed;
    c.clock.thaw();
    await time.advance(0);
    // On waking: `lost` for every slot it had; the renewals it had queued went out and were refused by fence.
    const lostOnWaking = fleet.losses
      .filter((x) => x.member === 'w-c' && x.at >= thawAt)
      .map((x) => `${x.loss.subAccount}#${x.loss.slot}`);
    expect(lostOnWaking.sort()).toEqual(frozenSlots.map((s) => `${s.subAccount}#${s.slot}`).sort());
    expect(c.binds.size).toBe(0);
    for (const { subAccount, slot } of frozenSlots) {
      const item = (await store.listSlots(subAccount)).find((x) => x.slot === slot);
      expect(item?.holder, `${subAccount}#${slot} after the late renewal`).not.toBe('w-c');
    }

    // It rejoins and the fleet evens out again.
    await time.advance(3 * H);
    expectEven([a, b, c]);
  });

  it('the margin covers clock skew: the fastest taker gets a frozen worker’s slots only after it stopped', async () => {
    // At L = 15 s: w-slow's clock is 1.4 s behind true time, w-fast's 1.4 s ahead: 2.8 s apart, inside the 3 s
    // margin (at 7.5 s: 0.7 s each way, 1.4 s apart, inside 1.5 s).
    // w-fast heartbeats at the phase that makes it try at the first instant the store lets it in.
    const slow = fleet.start('w-slow', { skewMs: skew(-1_400) });
    const firstTry = (L - skew(2_800) + 1) % H;
    await time.advanceTo(T0 + firstTry);
    const fast = fleet.start('w-fast', { skewMs: skew(1_400) });
    await time.advanceTo(T0 + 4 * H);
    expectEven([slow, fast]);
    const frozenSlots = heldBy(slow);
    // At L = 15 s: its last renewal was at 20 s: it believes until 20 + 15 − 3 = 32 s (true time).
    await time.advanceTo(T0 + 4 * H + 1);
    slow.clock.freeze();
    await time.advance(L + H);
    const takeovers = frozenSlots.map(
      ({ subAccount, slot }) =>
        fleet.acquisitions.find(
          (x) => x.subAccount === subAccount && x.slot === slot && x.member === 'w-fast',
        )?.at,
    );
    // Store expiry 20 s − 1.4 + 15 = 33.6 s by w-slow's clock = 32.2 s true for w-fast: it takes them at its
    // heartbeat 32.201 s, 201 ms after w-slow stopped believing — with a smaller margin the checks fail.
    expect(takeovers).toEqual(frozenSlots.map(() => 4 * H + L - skew(2_800) + 1));
  });

  it('takes over a killed worker’s slots within one lease period', async () => {
    const [, b, c] = await steadyFleetOfThree();
    const a = fleet.members.get('w-a');
    if (a === undefined || b === undefined || c === undefined) throw new Error('fleet');
    // Kill the worker whose clock runs slowest (w-b, −1.4 s) right after it renewed: the worst case for
    // the bound, which holds when the dead worker's clock is not ahead of the takers'.
    const killAt = nextHeartbeat(b, fleet.elapsed) + 1;
    await time.advanceTo(T0 + killAt);
    const orphaned = heldBy(b);
    expect(orphaned.length).toBeGreaterThan(0);
    fleet.kill(b);

    await time.advance(L + H + 1);
    const takeovers = orphaned.map(({ subAccount, slot }) => {
      const taken = fleet.acquisitions.find(
        (x) => x.subAccount === subAccount && x.slot === slot && x.at >= killAt && x.member !== 'w-b',
      );
      expect(taken, `${subAccount}#${slot} taken over`).toBeDefined();
      return (taken?.at ?? Number.POSITIVE_INFINITY) - killAt;
    });
    const worst = Math.max(...takeovers);
    console.log(
      `takeover after a kill: ${orphaned.length} slot(s), ${takeovers.join(' / ')} ms (worst ${worst} ms) in fake ` +
        `time; bound: lease ${L} ms (a survivor heartbeats again the moment a lease it saw lapses)`,
    );
    expect(worst).toBeLessThanOrEqual(L);
    expectEven([a, c]);
  });

  it('a clean stop frees the slots at once: the others take them on their next heartbeat', async () => {
    const [a, b, c] = await steadyFleetOfThree();
    if (a === undefined || b === undefined || c === undefined) throw new Error('fleet');
    const leaving = heldBy(a);
    expect(leaving.length).toBeGreaterThan(0);
    await fleet.stopCleanly(a);
    const stoppedAt = fleet.elapsed;
    expect(a.manager.status).toBe('stopped');
    expect(heldBy(a)).toEqual([]);

    await time.advance(H);
    const handovers = leaving.map(({ subAccount, slot }) => {
      const taken = fleet.acquisitions.find(
        (x) => x.subAccount === subAccount && x.slot === slot && x.at >= stoppedAt && x.member !== 'w-a',
      );
      expect(taken, `${subAccount}#${slot} taken`).toBeDefined();
      return (taken?.at ?? Number.POSITIVE_INFINITY) - stoppedAt;
    });
    console.log(
      `handover after a clean stop: ${handovers.join(' / ')} ms in fake time; bound: heartbeat ${H} ms`,
    );
    expect(Math.max(...handovers)).toBeLessThanOrEqual(H);
    expectEven([b, c]);
    // Safety margin check: the policy numbers this suite ran with.
    expect(a.manager.settings).toMatchObject({ leasePeriodMs: L, heartbeatMs: H, safetyMarginMs: M });
  });
});
