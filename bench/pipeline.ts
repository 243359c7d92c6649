/**
 * Pipeline cost: SQS → submit_sm → receipt → EventBridge event, through the whole fleet on this machine
 * (test/e2e/fleetHarness.ts: two moto processes, the simulator in this process, ONE worker process).
 *
 * What is measured, and what is not:
 * - Worker CPU: the worker process's user + system time from /proc (every thread of it, the SDK's HTTP and
 *   JSON work included; the emulator, the simulator and the API are other processes or not running). Read
 *   over the measured window, and also net of the worker's idle rate (lease renewals, empty long polls,
 *   enquire_link) measured just before, so the per-message figure is the cost a message adds.
 * - AWS calls: every request the two emulators served during the window (EmulatorCallLog), split into the
 *   worker's per-message calls, its lease calls (per bind, not per message), and this benchmark's own
 *   (the enqueuing SendMessageBatch and the example subscriber's drain).
 * - Latency: enqueue (SendMessageBatch answered) → the simulator receiving the submit_sm; receipt (the
 *   simulator sending deliver_sm) → the worker's deliver_sm_resp (recorded and published) and → the final
 *   event arriving on the subscriber queue (EventBridge rule → SQS inside moto, then a long poll).
 * Messages are short GSM texts (one part each, no idempotency key), fed at a steady rate below what the
 * emulator sustains, so latencies show the pipeline rather than a backlog.
 */
import { performance } from 'node:perf_hooks';
import { stageLatencies } from '../test/e2e/fleetChecks.js';
import { type Fleet, pollUntil, sleep, startFleet } from '../test/e2e/fleetHarness.js';
import type { PlannedMessage } from '../test/e2e/messageMix.js';
import { subAccount } from '../test/e2e/messageMix.js';
import { principalKeys } from '../test/support/iamContract.js';
import { EmulatorCallLog, type RecordedCall } from './EmulatorCallLog.js';
import { processCpuMs, processRssMiB } from './processCpu.js';

export interface Percentiles {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  count: number;
}

export type CallRole =
  | 'worker per message'
  | 'worker leases'
  | 'stream consumer per message'
  | 'bench enqueue'
  | 'bench subscriber';

export interface CallCount {
  role: CallRole;
  operation: string;
  /** Table or queue, short name. */
  target: string;
  calls: number;
  entries: number;
  itemsRead: number;
  transactional: boolean;
  requestBytes: number;
}

export interface PipelineResult {
  messages: number;
  offeredPerSecond: number;
  /** First enqueue to the last final event, seconds. */
  windowSeconds: number;
  worker: {
    cpuMsTotal: number;
    idleCpuMsPerSecond: number;
    /** Window CPU / messages. */
    cpuMsPerMessageGross: number;
    /** (Window CPU − idle rate × window) / messages. */
    cpuMsPerMessageNet: number;
    rssMiB: number;
  };
  latency: {
    enqueueToSubmit: Percentiles;
    receiptToDeliverSmResp: Percentiles;
    receiptToEvent: Percentiles;
    enqueueToFinalEvent: Percentiles;
  };
  /** stageLatencies() from the fleet tests, for comparison with their reports. */
  fleetTestStages: string;
  calls: CallCount[];
  /** Recorded requests that could not be read back (0 unless the recording file was garbled). */
  unreadableCalls: number;
  /** Average size of a final message record (JSON of its attributes), bytes: for write units on paper. */
  messageRecordBytes: number;
  leasePeriodMs: number;
  /**
   * The idle and measured windows on the monotonic clock, microseconds (process.hrtime, the clock a V8
   * CPU profile's timestamps use): to cut a worker's `--cpu-prof` profile (FLEET_WORKER_NODE_FLAGS) to them.
   */
  monotonicUs: { idle: [number, number]; window: [number, number] };
}

export interface PipelineOptions {
  messages: number;
  ratePerSecond: number;
  warmupMessages: number;
  idleSeconds: number;
}

export function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
  return { p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1), count: sorted.length };
}

function planned(count: number, run: number): PlannedMessage[] {
  return Array.from({ length: count }, (_, i) => ({
    body: {
      subAccount,
      to: `+6591${String(run).padStart(2, '0')}${String(i).padStart(5, '0')}`,
      from: 'ACME',
      text: `Your code is ${String(100_000 + i)}`,
    },
    expected: 'delivered',
    parts: 1,
    kind: 'short',
  }));
}

const destinationOf = (message: PlannedMessage) =>
  typeof message.body === 'string' ? '' : String(message.body.to).replace(/^\+/, '');

/** Sends in batches of 10 at `ratePerSecond`; returns the ids and when each batch was answered. */
async function sendAtRate(
  fleet: Fleet,
  messages: readonly PlannedMessage[],
  ratePerSecond: number,
): Promise<{ ids: string[]; enqueuedAt: number[] }> {
  const ids: string[] = [];
  const enqueuedAt: number[] = [];
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let start = 0; start < messages.length; start += 10) {
    const due = started + (start / ratePerSecond) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const batch = messages.slice(start, start + 10);
    inFlight.push(
      fleet.send(batch.map((message) => message.body)).then((batchIds) => {
        const at = Date.now();
        batchIds.forEach((id, index) => {
          ids[start + index] = id;
          enqueuedAt[start + index] = at;
        });
      }),
    );
  }
  await Promise.all(inFlight);
  return { ids, enqueuedAt };
}

/** Until every id has its final event on the subscriber queue. */
async function waitForFinalEvents(fleet: Fleet, ids: readonly string[], timeoutMs: number): Promise<void> {
  const wanted = new Set(ids);
  const announced = new Set<string>();
  let seen = 0;
  await pollUntil(
    `${ids.length} final events on the subscriber queue`,
    () => {
      for (; seen < fleet.events.copies.length; seen += 1) {
        const copy = fleet.events.copies[seen];
        const id = String(copy?.detail.messageId);
        if (copy?.detail.isFinal === true && wanted.has(id)) announced.add(id);
      }
      return announced.size === wanted.size;
    },
    { timeoutMs, intervalMs: 100, describe: () => `${announced.size} of ${wanted.size} announced` },
  );
}

const shortName = (target: string) => target.slice(target.lastIndexOf('/') + 1);

function countCalls(calls: readonly RecordedCall[], fleet: Fleet): CallCount[] {
  const subscriberQueue = fleet.resources.subscriber?.queueUrl ?? '\0';
  const counts = new Map<string, CallCount>();
  for (const call of calls) {
    let role: CallRole = 'worker per message';
    if (call.principal === principalKeys.recordEvents) role = 'stream consumer per message';
    else if (call.target === subscriberQueue) role = 'bench subscriber';
    else if (call.operation === 'SQS.SendMessageBatch' && call.target === fleet.queueUrl)
      role = 'bench enqueue';
    else if (call.target === fleet.resources.tables.leases) role = 'worker leases';
    const key = `${role}|${call.operation}|${call.target}`;
    const count = counts.get(key) ?? {
      role,
      operation: call.operation,
      target: shortName(call.target),
      calls: 0,
      entries: 0,
      itemsRead: 0,
      transactional: call.transactional,
      requestBytes: 0,
    };
    count.calls += 1;
    count.entries += call.entries;
    count.itemsRead += call.itemsRead;
    count.requestBytes += call.requestBytes;
    counts.set(key, count);
  }
  return [...counts.values()].sort((a, b) => a.role.localeCompare(b.role) || b.calls - a.calls);
}

export async function pipelineCost(options: PipelineOptions): Promise<PipelineResult> {
  const fleet = await startFleet({ name: 'bench-pipeline', workers: 1 });
  const callLog = EmulatorCallLog.forEmulators(fleet.recordedRequestFiles, [
    fleet.aws.emulator.endpoint,
    fleet.dynamo.emulator.endpoint,
  ]);
  try {
    const [worker] = fleet.workers;
    if (worker === undefined) throw new Error('the fleet started no worker');
    await fleet.waitForSpread([4]);

    // Warm-up: JIT, SDK connection pools, tsx's first transpiles of lazily imported modules.
    const warm = planned(options.warmupMessages, 1);
    const warmIds = (await sendAtRate(fleet, warm, options.ratePerSecond)).ids;
    await waitForFinalEvents(fleet, warmIds, 120_000);
    await pollUntil('the warm-up receipts answered', () => fleet.stats().receipts.outstanding === 0, {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    await sleep(2_000);

    const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);
    const idleStartUs = monotonicUs();
    const idleStartCpu = processCpuMs(worker.pid);
    const idleStarted = performance.now();
    await sleep(options.idleSeconds * 1000);
    const idleCpuMsPerSecond =
      (processCpuMs(worker.pid) - idleStartCpu) / ((performance.now() - idleStarted) / 1000);
    const idleEndUs = monotonicUs();

    const receiptSentAt = new Map<string, number>();
    const receiptAnsweredAt = new Map<string, number>();
    fleet.sim.on('deliver', (event) => {
      if (event.kind === 'receipt' && !receiptSentAt.has(event.id)) receiptSentAt.set(event.id, Date.now());
    });
    fleet.sim.on('deliver-resp', (event) => {
      if (event.kind === 'receipt' && event.status === 0 && !receiptAnsweredAt.has(event.id))
        receiptAnsweredAt.set(event.id, Date.now());
    });

    const messages = planned(options.messages, 2);
    const submittedBefore = fleet.sim.submittedMessages().length;
    const copiesBefore = fleet.events.copies.length;
    await callLog.start();
    const windowStartUs = monotonicUs();
    const cpuStart = processCpuMs(worker.pid);
    const windowStarted = performance.now();
    const sentAt = Date.now();
    const { ids, enqueuedAt } = await sendAtRate(fleet, messages, options.ratePerSecond);
    await waitForFinalEvents(fleet, ids, 300_000);
    const windowSeconds = (performance.now() - windowStarted) / 1000;
    // What follows a final event (clearing the published event from the record, the deliver_sm_resp) is
    // part of a message's cost too: let it finish before the window closes.
    await pollUntil('every receipt answered', () => fleet.stats().receipts.outstanding === 0, {
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    await sleep(2_000);
    const cpuMsTotal = processCpuMs(worker.pid) - cpuStart;
    const windowEndUs = monotonicUs();
    const measuredSeconds = (performance.now() - windowStarted) / 1000;
    const rssMiB = processRssMiB(worker.pid);
    const calls = countCalls(await callLog.stop(), fleet);

    const submitted = fleet.sim.submittedMessages().slice(submittedBefore);
    const copies = fleet.events.copies.slice(copiesBefore);
    const submitAt = new Map<string, number>();
    const smscIdOf = new Map<string, string>();
    for (const message of submitted) {
      if (!submitAt.has(message.destination)) {
        submitAt.set(message.destination, message.arrivedAt);
        smscIdOf.set(message.destination, message.messageId);
      }
    }
    const finalEventAt = new Map<string, number>();
    for (const copy of copies) {
      const id = String(copy.detail.messageId);
      if (copy.detail.isFinal === true && !finalEventAt.has(id)) finalEventAt.set(id, copy.receivedAt);
    }
    const enqueueToSubmit: number[] = [];
    const receiptToResp: number[] = [];
    const receiptToEvent: number[] = [];
    const enqueueToFinal: number[] = [];
    messages.forEach((message, index) => {
      const destination = destinationOf(message);
      const id = ids[index] ?? '';
      const enqueued = enqueuedAt[index];
      const submit = submitAt.get(destination);
      const receipt = receiptSentAt.get(smscIdOf.get(destination) ?? '');
      const answered = receiptAnsweredAt.get(smscIdOf.get(destination) ?? '');
      const event = finalEventAt.get(id);
      if (enqueued !== undefined && submit !== undefined) enqueueToSubmit.push(submit - enqueued);
      if (receipt !== undefined && answered !== undefined) receiptToResp.push(answered - receipt);
      if (receipt !== undefined && event !== undefined) receiptToEvent.push(event - receipt);
      if (enqueued !== undefined && event !== undefined) enqueueToFinal.push(event - enqueued);
    });

    const sample = await fleet.records(ids.slice(0, 50));
    const sizes = [...sample.values()].map((record) => Buffer.byteLength(JSON.stringify(record)));
    const messageRecordBytes = sizes.reduce((sum, size) => sum + size, 0) / Math.max(1, sizes.length);

    return {
      messages: options.messages,
      offeredPerSecond: options.ratePerSecond,
      windowSeconds,
      worker: {
        cpuMsTotal,
        idleCpuMsPerSecond,
        cpuMsPerMessageGross: cpuMsTotal / options.messages,
        cpuMsPerMessageNet: (cpuMsTotal - idleCpuMsPerSecond * measuredSeconds) / options.messages,
        rssMiB,
      },
      latency: {
        enqueueToSubmit: percentiles(enqueueToSubmit),
        receiptToDeliverSmResp: percentiles(receiptToResp),
        receiptToEvent: percentiles(receiptToEvent),
        enqueueToFinalEvent: percentiles(enqueueToFinal),
      },
      fleetTestStages: stageLatencies(messages, ids, sentAt, submitted, copies),
      calls,
      unreadableCalls: callLog.unreadable,
      messageRecordBytes,
      leasePeriodMs: fleet.leasePeriodMs,
      monotonicUs: { idle: [idleStartUs, idleEndUs], window: [windowStartUs, windowEndUs] },
    };
  } catch (error) {
    console.error(fleet.logTails(20));
    throw error;
  } finally {
    await fleet.stop();
  }
}
