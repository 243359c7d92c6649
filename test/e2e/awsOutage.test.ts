/**
 * AWS unreachable for a few seconds during traffic, twice. The workers reach the emulators through an
 * AwsEndpointProxy; the test cuts every connection until each worker has given up its binds (lease renewals
 * failing), then restores it: first as a black hole (requests unanswered until their timeouts), then as a
 * refusing endpoint (requests fail at once). What must hold, as in a real outage:
 * - the bind cap: a worker that cannot renew drops its binds before its leases can expire, so at every
 *   moment 8x8 sees no more binds than there are unexpired leases; after the outage the fleet rebinds;
 * - no receipt lost: receipts that arrive while the store is unreachable are answered with an error
 *   (0x64) or not at all, and 8x8 delivers them again later; every one ends answered and applied;
 * - no message lost: an SQS message is deleted only once its outcome is recorded, so every message reaches
 *   its planned final state; a part sent again is one whose record says it was in doubt.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { detailTypes } from '../../core/events.js';
import type { MessageState } from '../../core/messageState.js';
import { sleep } from '../support/poll.js';
import type { OutageMode } from './AwsEndpointProxy.js';
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
import { type Fleet, pollUntil } from './fleetHarness.js';
import { describeIamContractOf } from './iamChecks.js';
import { messageMix, outcomeRules, type PlannedMessage } from './messageMix.js';
import { useFleet } from './useFleet.js';

const fleet = useFleet({
  name: 'aws-outage',
  workers: 2,
  workersThroughProxy: true,
  simulator: { outcomeRules, receiptRedeliveryMs: 5_000 },
});

const planned: PlannedMessage[] = messageMix(200, '05');
let ids: string[] = [];

interface CapSample {
  at: number;
  /** Binds open at the simulator. */
  open: number;
  /** Lease items with a holder whose expiry (as written in the table) is still ahead. */
  backed: number;
}

interface OutageFigures {
  mode: OutageMode;
  darkMs: number;
  droppedInMs: number;
  /** From the last bind dropped to the first lease expiry in the table (how early the binds went). */
  marginMs: number;
  /** deliver_sm answered with an error status while AWS was away. */
  receiptsRefused: number;
  reboundInMs: number;
  samples: CapSample[];
}

/**
 * Cuts the workers off AWS once `afterParts` parts were accepted, until every bind is dropped (their
 * leases can no longer be renewed), then restores AWS and waits for the four binds again. Samples the
 * cap's safety meanwhile: the table is read straight from the emulator (the test's clients do not go
 * through the proxy).
 */
async function outage(f: Fleet, mode: OutageMode, afterParts: number): Promise<OutageFigures> {
  await pollUntil(
    `${afterParts} parts accepted by the simulator`,
    () => f.stats().submits.accepted >= afterParts,
    {
      timeoutMs: 120_000,
      intervalMs: 20,
    },
  );
  const samples: CapSample[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      // Binds counted before and after the table read, the fewer kept: a worker acquires before it binds
      // and unbinds before it releases, so a bind open across the read had its lease all along.
      const openBefore = f.stats().binds.current;
      const leases = await f.leases();
      const at = Date.now();
      const open = Math.min(openBefore, f.stats().binds.current);
      const backed = leases.filter((lease) => lease.holder !== undefined && lease.expiresAtMs > at).length;
      samples.push({ at, open, backed });
      await sleep(50);
    }
  })();

  const before = f.stats();
  const darkAt = Date.now();
  f.awsProxy.goDark(mode);
  const droppedInMs = await pollUntil(
    'every bind dropped by its worker (lease renewals failing)',
    () => f.stats().binds.current === 0,
    { timeoutMs: f.leasePeriodMs * 2, intervalMs: 20, describe: () => `${f.stats().binds.current} open` },
  );
  const leasesAtDrop = await f.leases();
  const restoredAt = Date.now();
  f.awsProxy.restore();
  const during = f.stats();
  const reboundInMs = await pollUntil(
    'the four slots bound again',
    async () =>
      f.stats().binds.current === 4 &&
      (await Promise.all(f.workers.map((worker) => worker.boundBinds()))).reduce((a, b) => a + b, 0) === 4,
    { timeoutMs: 60_000, intervalMs: 50, describe: () => `${f.stats().binds.current} bound` },
  );
  sampling = false;
  await sampler;
  const figures: OutageFigures = {
    mode,
    darkMs: restoredAt - darkAt,
    droppedInMs,
    marginMs: Math.min(...leasesAtDrop.map((lease) => lease.expiresAtMs)) - (darkAt + droppedInMs),
    receiptsRefused: during.receipts.answeredError - before.receipts.answeredError,
    reboundInMs,
    samples,
  };
  console.info(
    `AWS dark (${mode}) for ${formatMs(figures.darkMs)}: every bind dropped ${formatMs(droppedInMs)} after the cut, ` +
      `${formatMs(figures.marginMs)} before the first lease expired; ${figures.receiptsRefused} receipts answered ` +
      `with an error meanwhile; all four bound again ${formatMs(reboundInMs)} after AWS came back; ` +
      `${samples.length} cap samples`,
  );
  return figures;
}

let outages: OutageFigures[] = [];
let statuses = new Map<string, MessageState>();

// The traffic and both outages, once: every test below checks what they left.
beforeAll(async () => {
  const f = fleet();
  await f.waitForSpread([2, 2]);
  const sentAt = Date.now();
  ids = await f.send(planned.map((message) => message.body));
  // Packets dropped: every call waits for its own timeout.
  const blackhole = await outage(f, 'blackhole', 40);
  // The endpoint down: every call fails at once, so receipts are refused (0x64) rather than left unanswered.
  const reset = await outage(f, 'reset', f.stats().submits.accepted + 40);
  outages = [blackhole, reset];
  statuses = await f.waitForFinal(ids, 180_000);
  console.info(`all ${planned.length} final ${formatMs(Date.now() - sentAt)} after they were sent`);
}, 300_000);

describe('AWS unreachable for a few seconds during traffic, twice', () => {
  it('drops binds before their leases expire, rebinds after, and brings every message to its final state', () => {
    // The cap's safety is the samples: never more binds open at the SMSC than unexpired leases. How long
    // before the expiry the last bind closed (marginMs) is printed, not asserted: this process sees the close
    // late when the machine is loaded (one run with three CPU-heavy jobs on two cores printed -0.2 s, every
    // sample still safe).
    expect(outages.map((figures) => figures.mode)).toEqual(['blackhole', 'reset']);
    for (const figures of outages) {
      expect(
        figures.samples.filter((sample) => sample.open > sample.backed),
        figures.mode,
      ).toEqual([]);
    }
    expect(outages[1]?.receiptsRefused).toBeGreaterThan(0);
    expect(wrongFinalStates(planned, ids, statuses)).toEqual([]);
  });

  it('answers every receipt in the end, and keeps the cap and the rate', async () => {
    const f = fleet();
    await f.waitForReceiptsAnswered();
    const stats = f.stats();
    console.info(`simulator: ${describeSimulator(stats)}`);
    expect(brokenSimulatorLimits(stats)).toEqual([]);
  });

  it('sends again only parts whose records say they were in doubt', async () => {
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
    expect(submitted.length - extraCopies).toBe(expectedAcceptedParts(planned));
  });

  it('publishes every state change under one id', async () => {
    const f = fleet();
    const analysis = await waitForEvents(f, planned, ids);
    console.info(
      `events: ${analysis.distinctEvents} distinct, ${analysis.copies} received, ${analysis.arrivedTwiceOrMore} arrived more than once`,
    );
    expect(analysis.missing).toEqual([]);
    expect(analysis.unexpected.filter((entry) => !entry.startsWith(detailTypes.receiptUnmatched))).toEqual(
      [],
    );
    expect(analysis.conflicting).toEqual([]);
  });
});

describeIamContractOf(fleet, 'through the outage and after');
