/**
 * SIGTERM to one of two workers in the middle of traffic (what ECS does on a deploy or scale-in): it stops
 * taking messages, finishes or returns what it holds, unbinds (a real unbind, not a dropped socket),
 * releases its leases and exits 0; the other worker binds the released slots (at once when its heartbeat saw
 * the drain, else at its next heartbeat: the timing is asserted in fake time by the LeaseManager unit tests).
 * A graceful stop sends nothing twice and leaves no message in doubt.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { MessageState } from '../../core/messageState.js';
import { metricNames } from '../../core/metrics.js';
import type { BindEvent, UnbindEvent } from '../../local/smsc-simulator/SmscSimulator.js';
import { emittedMetrics } from '../support/metricContract.js';
import {
  brokenSimulatorLimits,
  describeSimulator,
  duplicatesOf,
  formatMs,
  settledRecords,
  slowestRecords,
  waitForEvents,
  wrongFinalStates,
} from './fleetChecks.js';
import { type Fleet, pollUntil, type WorkerExit } from './fleetHarness.js';
import { describeIamContractOf } from './iamChecks.js';
import { messageMix, outcomeRules, type PlannedMessage, subAccount } from './messageMix.js';
import { useFleet } from './useFleet.js';

const fleet = useFleet({
  name: 'stopped',
  workers: 2,
  simulator: { outcomeRules, receiptRedeliveryMs: 5_000 },
});

const planned: PlannedMessage[] = messageMix(200, '03');
/** ECS's stop timeout (infra/constructs/WorkerService.ts `workerStopTimeout`): SIGKILL follows it. */
const ecsStopTimeoutMs = 120_000;
let ids: string[] = [];

/** What the stop left, observed once by the traffic below and checked by the tests. */
const unbinds: Array<UnbindEvent & { at: number }> = [];
const binds: Array<BindEvent & { at: number }> = [];
let termAt = 0;
let exit: WorkerExit | undefined;
let leasesAtExit: Awaited<ReturnType<Fleet['leases']>> = [];
let stoppingTail = '';
let stoppingId = '';
let statuses = new Map<string, MessageState>();

// The traffic and the SIGTERM, once: every test below checks what they left.
beforeAll(async () => {
  const f = fleet();
  await f.waitForSpread([2, 2]);
  const [stopping, staying] = f.workers;
  if (!stopping || !staying) throw new Error('two workers expected');
  stoppingId = stopping.id;
  f.sim.on('unbind', (event) => unbinds.push({ ...event, at: Date.now() }));
  f.sim.on('bind', (event) => binds.push({ ...event, at: Date.now() }));

  const sentAt = Date.now();
  ids = await f.send(planned.map((message) => message.body));
  await pollUntil('100 parts accepted by the simulator', () => f.stats().submits.accepted >= 100, {
    timeoutMs: 120_000,
    intervalMs: 20,
  });
  termAt = Date.now();
  stopping.signal('SIGTERM');
  const exited = await stopping.exited;
  exit = exited;
  stoppingTail = stopping.tail(20);
  leasesAtExit = await f.leases();
  const takenOverIn = await pollUntil(
    'the other worker bound on all 4 slots',
    async () => f.stats().binds.current === 4 && (await staying.boundBinds()) === 4,
    { timeoutMs: 30_000, intervalMs: 20 },
  );
  console.info(
    `SIGTERM ${formatMs(termAt - sentAt)} into the stream: ${stopping.id} exited ${exited.signal ?? `with ${exited.code}`} ` +
      `after ${formatMs(exited.at - termAt)}; unbinds ${JSON.stringify(unbinds.filter((event) => event.at >= termAt && event.at <= exited.at).map((event) => event.reason))}; ` +
      `${staying.id} bound all 4 slots ${formatMs(takenOverIn)} after that (heartbeat ${f.heartbeatMs} ms)`,
  );
  statuses = await f.waitForFinal(ids, 180_000);
  console.info(`all ${planned.length} final ${formatMs(Date.now() - sentAt)} after they were sent`);
}, 300_000);

describe('a worker stopped with SIGTERM during traffic', () => {
  it('drains, unbinds, releases its leases and exits 0; the other binds the released slots', () => {
    const exitAt = exit?.at ?? Number.POSITIVE_INFINITY;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exitAt - termAt).toBeLessThan(ecsStopTimeoutMs);
    expect(stoppingTail).toContain('"message":"worker stopped"');
    // Its two binds ended with an unbind it sent, not a dropped connection.
    const ownUnbinds = unbinds.filter((event) => event.at >= termAt && event.at <= exitAt);
    expect(ownUnbinds.map((event) => event.reason)).toEqual(['client-unbind', 'client-unbind']);
    // Its leases were released (holder removed), not left to expire.
    expect(leasesAtExit.filter((lease) => lease.holder === stoppingId)).toEqual([]);
    // How soon the other worker took them (its drain watch, else its next heartbeat: docs/leases.md) is timers
    // on a loaded machine: printed above, asserted in fake time by test/unit/leases/LeaseManager.test.ts.
    expect(binds.filter((event) => event.at > exitAt)).toHaveLength(2);
    expect(wrongFinalStates(planned, ids, statuses)).toEqual([]);
  });

  it('sends nothing twice and leaves no message in doubt', async () => {
    const f = fleet();
    const records = await settledRecords(f, ids);
    const { extraCopies } = duplicatesOf(f.sim.submittedMessages());
    const inDoubt = ids.filter((id) => records.get(id)?.inDoubt === true);
    console.info(
      `duplicates: ${extraCopies}; records in doubt: ${inDoubt.length}; slowest:\n${slowestRecords(records)}`,
    );
    expect(extraCopies).toBe(0);
    expect(inDoubt.map((id) => records.get(id)?.inDoubtReasons)).toEqual([]);
  });

  it('publishes every state change under one id, keeps the cap and the rate, answers every receipt', async () => {
    const f = fleet();
    const analysis = await waitForEvents(f, planned, ids);
    console.info(
      `events: ${analysis.distinctEvents} distinct, ${analysis.copies} received, ${analysis.arrivedTwiceOrMore} arrived more than once`,
    );
    expect(analysis.missing).toEqual([]);
    expect(analysis.unexpected).toEqual([]);
    expect(analysis.conflicting).toEqual([]);

    await f.waitForReceiptsAnswered();
    const stats = f.stats();
    console.info(`simulator: ${describeSimulator(stats)}`);
    expect(brokenSimulatorLimits(stats)).toEqual([]);
  });

  it('counts every part 8x8 accepted exactly once in SubmitsAccepted, the stopped worker’s last ones included', async () => {
    const f = fleet();
    const accepted = f.stats().submits.accepted;
    // The stopped worker published its final counts as it stopped; the other publishes every second.
    const counted = () =>
      emittedMetrics(f.workers.map((worker) => worker.logPath))
        .filter(
          (datum) => datum.name === metricNames.submitsAccepted && datum.dimensions.SubAccount === subAccount,
        )
        .reduce((sum, datum) => sum + datum.value, 0);
    await pollUntil('the counted submits to reach what the simulator accepted', () => counted() >= accepted, {
      timeoutMs: 30_000,
      intervalMs: 250,
      describe: () => `${counted()} counted, ${accepted} accepted`,
    });
    expect(counted()).toBe(accepted);
  });
});

describeIamContractOf(fleet, 'removing the stopped worker’s presence among them', [
  'worker: dynamodb:DeleteItem on table/{prefix}-bind-leases',
]);
