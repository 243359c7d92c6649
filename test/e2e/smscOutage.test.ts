/**
 * 8x8 goes away during traffic: the simulator drops every connection at once (no unbind, as a network cut
 * or an SMSC restart would), then refuses every bind (0x08) until each of the four slots has been refused
 * three times, then accepts binds again. The fleet rebinds without ever opening more than the cap (each
 * worker rebinds only the slots it holds the leases of, so 8x8 never has to refuse a fifth bind) and
 * finishes the backlog: every message in its planned final state, what was in flight at the cut sent again
 * only when its record says it was in doubt, every receipt answered. How the binds backed off (how long the
 * twelve refusals took, the longest gap between attempts) is printed, not asserted: it is time.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { detailTypes } from '../../core/events.js';
import type { MessageState } from '../../core/messageState.js';
import type { BindRejectedEvent } from '../../local/smsc-simulator/SmscSimulator.js';
import {
  brokenSimulatorLimits,
  describeSimulator,
  duplicatesOf,
  expectedAcceptedParts,
  formatMs,
  settledRecords,
  simulatorDestination,
  waitForEvents,
  wrongFinalStates,
} from './fleetChecks.js';
import { pollUntil } from './fleetHarness.js';
import { describeIamContractOf } from './iamChecks.js';
import { messageMix, outcomeRules, type PlannedMessage } from './messageMix.js';
import { useFleet } from './useFleet.js';

const fleet = useFleet({
  name: 'smsc-outage',
  workers: 2,
  // Responses 250 ms late, like 8x8 across regions: each bind has submits awaiting their resp when the
  // connections drop, and those are in doubt.
  simulator: { outcomeRules, receiptRedeliveryMs: 5_000, faults: { latencyMs: 250 } },
});

const planned: PlannedMessage[] = messageMix(200, '04');
/** Bind attempts the simulator refuses before it recovers: three for each of the four slots. */
const refusalsBeforeRecovery = 12;
let ids: string[] = [];

const refused: Array<BindRejectedEvent & { at: number }> = [];
let statuses = new Map<string, MessageState>();

// The traffic, the cut and the recovery, once: every test below checks what they left.
beforeAll(async () => {
  const f = fleet();
  await f.waitForSpread([2, 2]);
  f.sim.on('bind-rejected', (event) => refused.push({ ...event, at: Date.now() }));

  const sentAt = Date.now();
  ids = await f.send(planned.map((message) => message.body));
  await pollUntil('60 parts accepted by the simulator', () => f.stats().submits.accepted >= 60, {
    timeoutMs: 60_000,
    intervalMs: 20,
  });
  const acceptedAtCut = f.stats().submits.accepted;
  const cutAt = Date.now();
  f.sim.setFaults({ refuseBinds: true });
  f.sim.dropConnections();
  await pollUntil('every bind closed at the simulator', () => f.stats().binds.current === 0, {
    timeoutMs: 5_000,
    intervalMs: 10,
  });

  await pollUntil(
    `${refusalsBeforeRecovery} bind attempts refused`,
    () => refused.length >= refusalsBeforeRecovery,
    { timeoutMs: 60_000, intervalMs: 20, describe: () => `${refused.length} refused` },
  );
  const recoveredAt = Date.now();
  f.sim.setFaults({ refuseBinds: false });
  const reboundIn = await pollUntil(
    'the four slots bound again',
    async () =>
      f.stats().binds.current === 4 &&
      (await Promise.all(f.workers.map((worker) => worker.boundBinds()))).reduce((a, b) => a + b, 0) === 4,
    { timeoutMs: 60_000, intervalMs: 50, describe: () => `${f.stats().binds.current} bound` },
  );
  const gaps = refused.slice(1).map((event, index) => event.at - (refused[index]?.at ?? event.at));
  console.info(
    `cut after ${acceptedAtCut} accepted parts (${formatMs(cutAt - sentAt)} into the stream); binds refused ` +
      `${refused.length} times over ${formatMs(recoveredAt - cutAt)} (reasons ${[...new Set(refused.map((event) => event.reason))].join(', ')}; ` +
      `longest gap between attempts ${formatMs(Math.max(0, ...gaps))}); all four bound again ${formatMs(reboundIn)} after binds were accepted`,
  );
  statuses = await f.waitForFinal(ids, 180_000);
  console.info(`all ${planned.length} final ${formatMs(Date.now() - sentAt)} after they were sent`);
}, 300_000);

describe('the SMSC drops every connection, refuses binds for a while, then recovers', () => {
  it('rebinds within the cap once binds are accepted again, and brings every message to its final state', () => {
    expect(refused.length).toBeGreaterThanOrEqual(refusalsBeforeRecovery);
    expect(refused.every((event) => event.reason === 'refused')).toBe(true);
    expect(wrongFinalStates(planned, ids, statuses)).toEqual([]);
  });

  it('never opens more binds than the cap, and 8x8 never has to refuse one for the limit', async () => {
    const f = fleet();
    await f.waitForReceiptsAnswered();
    const stats = f.stats();
    console.info(`simulator: ${describeSimulator(stats)}; binds accepted ${stats.binds.accepted}`);
    expect(brokenSimulatorLimits(stats)).toEqual([]);
    expect(stats.binds.rejected.refused).toBeGreaterThanOrEqual(refusalsBeforeRecovery);
  });

  it('sends again only what was in flight at the cut, and every such record says it was in doubt', async () => {
    const f = fleet();
    const records = await settledRecords(f, ids);
    const submitted = f.sim.submittedMessages();
    const { extraCopies, destinations } = duplicatesOf(submitted);
    const idByDestination = new Map(
      planned.map((message, index) => [simulatorDestination(message), ids[index] ?? '']),
    );
    const duplicated = [...destinations].map((destination) =>
      records.get(idByDestination.get(destination) ?? ''),
    );
    const inDoubt = ids.filter((id) => records.get(id)?.inDoubt === true);
    console.info(
      `${extraCopies} parts sent twice (${destinations.size} messages); ${inDoubt.length} records in doubt; ` +
        `accepted ${submitted.length} for ${expectedAcceptedParts(planned)} parts`,
    );
    expect(
      duplicated.filter((record) => record?.inDoubt !== true).map((record) => record?.messageId),
    ).toEqual([]);
    // At most a window per bind was awaiting its resp when the connections dropped.
    expect(extraCopies).toBeLessThanOrEqual(30 * 4);
    // Every part reached 8x8 at least once.
    expect(submitted.length - extraCopies).toBe(expectedAcceptedParts(planned));
  });

  it('publishes every state change under one id', async () => {
    const f = fleet();
    const analysis = await waitForEvents(f, planned, ids);
    const unmatched = f.events.copies.filter((event) => event.detailType === detailTypes.receiptUnmatched);
    console.info(
      `events: ${analysis.distinctEvents} distinct, ${analysis.copies} received, ${analysis.arrivedTwiceOrMore} arrived more than once; ${unmatched.length} unmatched receipts`,
    );
    expect(analysis.missing).toEqual([]);
    expect(analysis.unexpected.filter((entry) => !entry.startsWith(detailTypes.receiptUnmatched))).toEqual(
      [],
    );
    expect(analysis.conflicting).toEqual([]);
    // A receipt nobody matched can only be for a copy sent twice whose first id was never learnt.
    const duplicatedHandsets = duplicatesOf(f.sim.submittedMessages()).destinations;
    expect(unmatched.filter((event) => !duplicatedHandsets.has(String(event.detail.sourceAddress)))).toEqual(
      [],
    );
  });
});

describeIamContractOf(fleet, 'waiting messages’ visibility changes among them', [
  'worker: sqs:ChangeMessageVisibility on {prefix}-send-acme',
]);
