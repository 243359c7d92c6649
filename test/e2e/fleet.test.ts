/**
 * The whole fleet: two worker processes (`node --import tsx worker/main.ts`), the AWS emulator, the 8x8
 * simulator and the send API (local/httpApi, the handlers API Gateway runs). 300 messages sent through the
 * API — one at a time on POST /messages and in hundreds on POST /messages/batch — reach their final states,
 * every state change reaches a subscriber of the bus once per deterministic id, the simulator's limits hold.
 * Invalid requests are refused by the API (and, put straight into SQS, recorded as validation failures);
 * requests sent twice with one idempotency key, once through the API and once straight into SQS, send one
 * SMS each.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { detailTypes } from '../../core/events.js';
import type { FleetStatusView } from '../../core/fleetStatusView.js';
import { messageIdForIdempotencyKey } from '../../core/messageId.js';
import type { MessageRecord } from '../../core/messageRecord.js';
import type { MessageState } from '../../core/messageState.js';
import { mapLimit } from '../support/poll.js';
import { type ApiAnswer, getMessage, postBatch, postMessage } from './apiClient.js';
import {
  acceptedCopiesPerPart,
  brokenSimulatorLimits,
  describeSimulator,
  duplicatesOf,
  expectedAcceptedParts,
  formatMs,
  settledRecords,
  simulatorDestination,
  stageLatencies,
  waitForEvents,
  wrongFinalStates,
} from './fleetChecks.js';
import { countBy, type Fleet, pollUntil, smppPassword } from './fleetHarness.js';
import { describeIamContract, fleetIamContract } from './iamChecks.js';
import { keyedTwice, messageMix, outcomeRules, type PlannedMessage, subAccount } from './messageMix.js';
import { useFleet } from './useFleet.js';

const fleet = useFleet({
  name: 'fleet',
  workers: 2,
  // The config's shortest: a keyed copy that met its twin's live claim comes back after this.
  visibilityTimeoutSeconds: 20,
  // An SMSC re-sends an unanswered deliver_sm after its own timeout; 5 s rather than the simulator's
  // default 1 s, so receipts still being recorded on a loaded emulator are not sent again and again.
  simulator: { outcomeRules, receiptRedeliveryMs: 5_000 },
});

const planned: PlannedMessage[] = messageMix(300, '01');
/** Pairs: the first of each through the API, the second straight into SQS. */
const keyed = keyedTwice(20, '01');
const firstCopies = keyed.filter((_, i) => i % 2 === 0);
const secondCopies = keyed.filter((_, i) => i % 2 === 1);
/** POST /messages items per batch request. */
const batchSize = 50;
let ids: string[] = [];
let keyedIds: string[] = [];
let sentAt = 0;
let records = new Map<string, MessageRecord>();
/** What the API answered the invalid requests: POST /messages statuses and batch item results. */
const refusals: string[] = [];

/** The message id an accepted answer names; fails the test with the answer otherwise. */
function acceptedId(what: string, answer: ApiAnswer): string {
  if (answer.status !== 202 || typeof answer.body.messageId !== 'string')
    throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.messageId;
}

/** Half the items one by one on POST /messages (8 at a time), half in batches; ids in the items' order. */
async function sendThroughApi(f: Fleet, items: ReadonlyArray<Record<string, unknown>>): Promise<string[]> {
  const result: string[] = new Array(items.length);
  const single = items.flatMap((item, index) => (index % 2 === 0 ? [{ item, index }] : []));
  const batched = items.flatMap((item, index) => (index % 2 === 1 ? [{ item, index }] : []));
  const batches: Array<typeof batched> = [];
  for (let start = 0; start < batched.length; start += batchSize)
    batches.push(batched.slice(start, start + batchSize));
  await Promise.all([
    mapLimit(single, 8, async ({ item, index }) => {
      result[index] = acceptedId(`POST /messages ${index}`, await postMessage(f.api.url, item));
    }),
    mapLimit(batches, 2, async (batch) => {
      const { batch: answer } = await postBatch(
        f.api.url,
        batch.map(({ item }) => item),
      );
      answer.results.forEach((entry, position) => {
        const index = batch[position]?.index ?? -1;
        if (entry.result !== 'accepted') throw new Error(`batch item ${index}: ${JSON.stringify(entry)}`);
        result[index] = entry.messageId;
      });
    }),
  ]);
  return result;
}

/** Final states by message id, as the traffic left them. */
let statuses = new Map<string, MessageState>();
let invalidCount = 0;
let invalidObjects = 0;

// The traffic, once: every test below checks what it left.
beforeAll(async () => {
  const f = fleet();
  const readyIn = await f.waitForSpread([2, 2]);
  console.info(`fleet ready (2 binds per worker) ${formatMs(readyIn)} after the start`);

  sentAt = Date.now();
  // The keyed pairs first: a copy that meets the other's live claim comes back only when that claim
  // would have expired (the visibility timeout), so that wait overlaps the stream instead of following it.
  const [keyedThroughApi, keyedThroughSqs] = await Promise.all([
    sendThroughApi(f, firstCopies),
    f.send(secondCopies),
  ]);
  keyedIds = [...keyedThroughApi, ...keyedThroughSqs];

  const valid = planned.flatMap((message, index) =>
    message.kind === 'invalid' || typeof message.body === 'string' ? [] : [{ body: message.body, index }],
  );
  const invalid = planned.flatMap((message, index) =>
    message.kind === 'invalid' ? [{ message, index }] : [],
  );
  ids = new Array(planned.length);
  const acceptedIds = await sendThroughApi(
    f,
    valid.map(({ body }) => body),
  );
  valid.forEach(({ index }, position) => {
    ids[index] = acceptedIds[position] ?? '';
  });
  // The invalid requests: the API refuses each (nothing recorded, nothing queued) ...
  for (const { message } of invalid) {
    const answer = await postMessage(f.api.url, message.body);
    refusals.push(`POST ${answer.status} ${String(answer.body.code)}`);
  }
  const objects = invalid.flatMap(({ message }) => (typeof message.body === 'string' ? [] : [message.body]));
  const { batch } = await postBatch(f.api.url, objects);
  for (const entry of batch.results)
    refusals.push(`batch ${entry.result} ${'code' in entry ? entry.code : ''}`);
  // ... and a producer that puts them straight into SQS gets a validation failure recorded and announced.
  const invalidIds = await f.send(invalid.map(({ message }) => message.body));
  invalid.forEach(({ index }, position) => {
    ids[index] = invalidIds[position] ?? '';
  });
  const sentIn = Date.now() - sentAt;

  statuses = await f.waitForFinal(ids);
  invalidCount = invalid.length;
  invalidObjects = objects.length;
  console.info(
    `${planned.length} messages (${expectedAcceptedParts(planned)} parts; ${valid.length} through the API, ` +
      `${invalid.length} invalid ones straight into SQS) + ${keyed.length} keyed copies: ` +
      `sent in ${formatMs(sentIn)}, all final in ${formatMs(Date.now() - sentAt)}`,
  );
}, 300_000);

describe('300 messages through the HTTP API, two workers', () => {
  it('brings every message to its expected final state', () => {
    expect(countBy(refusals)).toEqual({
      'POST 400 invalid_request': invalidCount - 2,
      'POST 400 invalid_json': 2,
      [`batch rejected ${'invalid_request'}`]: invalidObjects,
    });
    expect(wrongFinalStates(planned, ids, statuses)).toEqual([]);
    expect(
      countBy(planned.map((message, index) => `${message.kind}:${statuses.get(ids[index] ?? '')}`)),
    ).toMatchObject({
      'invalid:failed': 10,
      // messageMix sends 3 % of the messages to each failing destination.
      'invalid-destination:rejected': Math.floor(planned.length * 0.03),
      'rejected:rejected': Math.floor(planned.length * 0.03),
      'undeliverable:undeliverable': Math.floor(planned.length * 0.03),
    });
  });

  it('records parts, encoding and error codes as a caller reads them', async () => {
    records = await settledRecords(fleet(), ids);
    planned.forEach((message, index) => {
      const record = records.get(ids[index] ?? '');
      const label = `${message.kind} ${ids[index]}: ${JSON.stringify(record)}`;
      if (message.kind === 'invalid') {
        expect(record, label).toMatchObject({
          status: 'failed',
          reason: 'validation',
          errorCode: 'VALIDATION',
        });
        expect(record?.validationErrors?.length, label).toBeGreaterThan(0);
        return;
      }
      expect(record?.totalParts, label).toBe(message.parts);
      expect(record?.parts, label).toHaveLength(message.parts);
      expect(record?.inDoubt, label).toBeUndefined();
      if (message.kind === 'invalid-destination') {
        expect(record, label).toMatchObject({ errorCode: 'ESME_RINVDSTADR', smppCommandStatus: 0x0b });
        return;
      }
      expect(record?.encoding, label).toBe(message.kind === 'unicode' ? 'UCS2' : 'GSM7');
      const badParts = record?.parts.filter(
        (part) => typeof part.smscMessageId !== 'string' || part.status !== message.expected,
      );
      expect(badParts, label).toEqual([]);
    });
  });

  it('answers GET /messages/{id} with the record', async () => {
    const f = fleet();
    const sample = ids.slice(0, 20);
    const answers = await mapLimit(sample, 4, (id) => getMessage(f.api.url, id));
    expect(answers.map((answer) => answer.status)).toEqual(sample.map(() => 200));
    expect(answers.map((answer) => [answer.body.messageId, answer.body.status])).toEqual(
      sample.map((id) => [id, records.get(id)?.status]),
    );
  });

  it('publishes every state change under one deterministic id, through the EventBridge rule', async () => {
    const f = fleet();
    const keyedStates = new Map(
      keyedIds.map((id) => [
        id,
        { required: ['delivered' as MessageState], optional: ['submitted' as MessageState] },
      ]),
    );
    const analysis = await waitForEvents(f, planned, ids, keyedStates);
    console.info(
      `events: ${analysis.distinctEvents} distinct, ${analysis.copies} received, ${analysis.arrivedTwiceOrMore} ` +
        `arrived more than once; ${analysis.withoutSubmitted} messages went from submitting straight to final`,
    );
    console.info(
      `latencies (ms): ${stageLatencies(planned, ids, sentAt, f.sim.submittedMessages(), f.events.copies)}`,
    );
    expect(analysis.missing).toEqual([]);
    expect(analysis.unexpected).toEqual([]);
    expect(analysis.conflicting).toEqual([]);
    expect(f.events.copies.filter((event) => event.detailType === detailTypes.receiptUnmatched)).toEqual([]);
  });

  it('stays within 4 binds and 50 submits per bind in any second, throttled only by arrival jitter, every receipt answered', async () => {
    const f = fleet();
    await f.waitForReceiptsAnswered();
    const stats = f.stats();
    console.info(`simulator: ${describeSimulator(stats)}`);
    expect(brokenSimulatorLimits(stats)).toEqual([]);

    // Nothing crashed: every part reached 8x8 exactly once (the keyed ones included: one per key).
    const submitted = f.sim.submittedMessages();
    expect(duplicatesOf(submitted).extraCopies).toBe(0);
    expect(submitted).toHaveLength(expectedAcceptedParts(planned) + keyed.length / 2);
    const copies = acceptedCopiesPerPart(submitted);
    const unsent = planned.filter(
      (message) =>
        message.kind !== 'invalid' &&
        message.kind !== 'invalid-destination' &&
        copies.get(`${simulatorDestination(message)}#1`) !== 1,
    );
    expect(unsent).toEqual([]);
  });
});

describe('logs', () => {
  it('carry no destination number and no SMPP password in any worker’s output', () => {
    const f = fleet();
    const numbers = [...planned, ...keyed.map((body) => ({ body }))]
      .map(({ body }) => (typeof body === 'object' && typeof body.to === 'string' ? body.to : ''))
      .map((to) => to.replace(/[^0-9]/g, ''))
      .filter((digits) => digits.length >= 7);
    const lines = f.workers.flatMap((worker) => readFileSync(worker.logPath, 'utf8').split('\n'));
    const leaks = lines.filter(
      (line) => line.includes(smppPassword) || numbers.some((digits) => line.includes(digits)),
    );
    console.info(`${lines.length} worker log lines searched for ${numbers.length} numbers and the password`);
    expect(numbers.length).toBeGreaterThan(planned.length / 2);
    expect(leaks.slice(0, 3)).toEqual([]);
  });
});

describe('idempotency', () => {
  it('sends one SMS per idempotency key when the request comes through the API and straight into SQS', async () => {
    const f = fleet();
    const half = firstCopies.length;
    expect(keyedIds[0]).toBe(messageIdForIdempotencyKey(subAccount, 'order-01-0'));
    // The API's answer and the SQS copy name the same message.
    expect(keyedIds.slice(0, half)).toEqual(keyedIds.slice(half));
    expect(new Set(keyedIds).size).toBe(half);
    const statuses = await f.waitForFinal(keyedIds, 60_000);
    expect([...new Set(keyedIds)].map((id) => statuses.get(id))).toEqual(firstCopies.map(() => 'delivered'));
    // Every copy handled (a copy that met the other one's live claim comes back later and finds it done).
    const drainedIn = await pollUntil('an empty send queue', async () => (await f.queueDepth()) === 0, {
      timeoutMs: 120_000,
      intervalMs: 500,
    });
    // And a third copy each way, long after the first was delivered: the API answers the same message
    // again (a replay), the worker drops the SQS copy.
    const replay = await postMessage(f.api.url, firstCopies[0] ?? {});
    expect(replay.status).toBe(202);
    expect(replay.body).toMatchObject({ messageId: keyedIds[0] });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    await f.send([secondCopies[0] ?? {}]);
    await pollUntil('an empty send queue', async () => (await f.queueDepth()) === 0, {
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    console.info(
      `the second copies were all handled ${formatMs(drainedIn)} after the first ones were delivered`,
    );

    const perDestination = countBy(
      f.sim
        .submittedMessages()
        .map((message) => message.destination)
        .filter((destination) => destination.startsWith('659401')),
    );
    expect(Object.keys(perDestination)).toHaveLength(half);
    expect(Object.values(perDestination).filter((count) => count !== 1)).toEqual([]);
  }, 240_000);
});

describe('IAM', () => {
  it('calls only what the stack’s roles allow, over TLS only, and the roles grant nothing the fleet does not use', async () => {
    const f = fleet();
    // An operator's look at the status page, so its routes' calls are evaluated too.
    const page = await fetch(`${f.api.url}/status`);
    expect(page.status).toBe(200);
    const status = (await (await fetch(`${f.api.url}/status.json`)).json()) as FleetStatusView;
    expect(status.problems).toEqual([]);
    expect(status.messages.length).toBeGreaterThan(0);
    // The reconciler's run, as its schedule makes it: every record of the run is final, so it reads them
    // all and writes none.
    const reconciled = await f.reconcile();
    expect(reconciled).toMatchObject({ failed: 0, submitted: 0, changedMeanwhile: 0 });
    expect(reconciled.examined).toBeGreaterThan(0);

    const contract = await fleetIamContract(f);
    console.info(describeIamContract(contract));
    expect(contract.unreadable).toBe(0);
    expect(contract.evaluated.worker ?? 0).toBeGreaterThan(0);
    expect(contract.evaluated['api getStatus'] ?? 0).toBeGreaterThan(0);
    expect(contract.evaluated['api postMessage'] ?? 0).toBeGreaterThan(0);
    expect(contract.evaluated['api postMessageBatch'] ?? 0).toBeGreaterThan(0);
    expect(contract.evaluated['api getMessage'] ?? 0).toBeGreaterThan(0);
    expect(contract.evaluated.reconciler ?? 0).toBeGreaterThan(0);
    expect(contract.denied).toEqual([]);
    // The queues' TLS-only policy is part of what was evaluated: the same call over plain HTTP is refused.
    expect(contract.plainHttpAnswer).toMatchObject({ allowed: false });
    expect(contract.unexplainedGrants).toEqual([]);
  }, 60_000);
});
