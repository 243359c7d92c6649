/**
 * Velocity limits on the SQS path (issue 15): requests put straight into the send queue, real SmppBinds to
 * the 8x8 simulator, the counters through the emulator's TransactWriteItems, records and events through its
 * table stream. The sender's clock is injected (the windows move with it, no test sleeps through an hour).
 */

import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detailTypes, eventDetailSchemas } from '../../../core/events.js';
import { sqsMessageAttributes } from '../../../core/messageId.js';
import { velocityCount } from '../../../core/velocityLimits.js';
import { DynamoDbVelocityCounter } from '../../../worker/guardrails/DynamoDbVelocityCounter.js';
import { MessageSender } from '../../../worker/sending/MessageSender.js';
import { useAwsEmulator } from '../aws/emulatorFixture.js';
import { startWorkerHarness, subAccount, type WorkerHarness } from './workerHarness.js';

const aws = useAwsEmulator();
let fleet: WorkerHarness;

const limits = { perDestinationPerHour: 2, perDestinationPerDay: 3, perSubAccountPerDay: 7 };
const hourMs = 3_600_000;
// 10:00 UTC today plus the time the test has run: an hour moved forward stays inside the same UTC day.
const started = Date.now();
const base = started - (started % 86_400_000) + 10 * hourMs;
let offsetMs = 0;
const clock = () => base + (Date.now() - started) + offsetMs;

beforeAll(async () => {
  fleet = await startWorkerHarness(aws(), {
    prefix: 'velocity',
    account: { velocityLimits: limits },
    sender: { now: clock },
  });
});

afterAll(async () => {
  await fleet?.stop();
});

async function counterValue(sk: 'HOUR' | 'DAY', to: string): Promise<number | undefined> {
  const count = velocityCount({ subAccount, messageId: 'x', to, now: clock() }, limits);
  const counter = count.counters.find((c) => c.key.sk.startsWith(sk) && c.key.pk.includes('#DEST#'));
  const { Item } = await aws().documentClient.send(
    new GetCommand({ TableName: fleet.resources.tables.velocity, Key: counter?.key }),
  );
  return Item?.count as number | undefined;
}

describe('velocity limits through SQS', () => {
  it('sends two to a number in an hour and records the third failed with rate-limited-destination, unsent', async () => {
    const to = '+6591110001';
    fleet.takeAwsCalls();
    const ids = await fleet.send(
      [1, 2, 3].map((n) => ({ subAccount, to, from: 'ACME', text: `code ${n}`, clientReference: `r${n}` })),
    );
    const records = await fleet.waitForRecords(ids);
    const statuses = ids.map((id) => records.get(id)?.status).sort();
    expect(statuses).toEqual(['delivered', 'delivered', 'failed']);
    const refused = ids.map((id) => records.get(id)).find((record) => record?.status === 'failed');
    expect(refused).toMatchObject({
      reason: 'rate-limited-destination',
      errorCode: 'RATE_LIMITED_DESTINATION',
    });
    expect(refused?.errorDescription).toMatch(
      /^The destination \+6591110001 is over the sub-account's velocityLimits\.perDestinationPerHour \(2 per destination number per hour\); try again in \d+ s; it was not sent$/,
    );
    expect(fleet.sim.submittedMessages().filter((m) => m.destination === '6591110001')).toHaveLength(2);
    // One transaction per message with limits, and nothing else new.
    expect(fleet.takeAwsCalls().TransactWriteItemsCommand).toBe(3);

    const events = await fleet.receiveEvents(5);
    const failed = events.filter((event) => event.detailType === detailTypes.failed);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.detail).toMatchObject({
      messageId: refused?.messageId,
      reason: 'rate-limited-destination',
      messageStatus: 'RATE_LIMITED',
      eventType: 'TEXT_BLOCKED',
    });
    expect(eventDetailSchemas[detailTypes.failed].safeParse(failed[0]?.detail).success).toBe(true);
  });

  it('lets the number have one more in the next hour, then refuses it on the day limit', async () => {
    const to = '+6591110001';
    offsetMs += hourMs;
    const [nextHour] = await fleet.send([{ subAccount, to, from: 'ACME', text: 'next hour' }]);
    expect((await fleet.waitForRecords([nextHour as string])).get(nextHour as string)?.status).toBe(
      'delivered',
    );
    const [overDay] = await fleet.send([{ subAccount, to, from: 'ACME', text: 'over the day' }]);
    const record = (await fleet.waitForRecords([overDay as string])).get(overDay as string);
    expect(record).toMatchObject({ status: 'failed', reason: 'rate-limited-destination' });
    expect(record?.errorDescription).toContain(
      'velocityLimits.perDestinationPerDay (3 per destination number per day)',
    );
    expect(await counterValue('HOUR', to)).toBe(1);
    expect(await counterValue('DAY', to)).toBe(3);
    await fleet.receiveEvents(3);
  });

  it('counts a message once across two workers and a retried SQS delivery', async () => {
    const to = '+6591110002';
    const second = new MessageSender({
      subAccount: fleet.config.subAccounts[0] as never,
      store: fleet.store,
      velocity: new DynamoDbVelocityCounter({
        client: aws().documentClient,
        tableName: fleet.resources.tables.velocity,
      }),
      pool: fleet.pool,
      workerId: 'second-worker',
      now: clock,
    });
    const messageId = `velocity-once-${randomUUID()}`;
    const delivery = (receiveCount: number) => ({
      sqsMessageId: randomUUID(),
      queueUrl: fleet.queueUrl,
      body: JSON.stringify({ subAccount, to, from: 'ACME', text: 'once' }),
      attributes: { [sqsMessageAttributes.messageId]: messageId },
      receiveCount,
    });
    const signal = new AbortController().signal;
    const [first, other] = await Promise.all([
      fleet.sender.handle(delivery(1), signal),
      second.handle(delivery(1), signal),
    ]);
    const retried = await second.handle(delivery(2), signal);
    expect([first.outcome, other.outcome, retried.outcome]).toContain('submitted');
    expect([first, other, retried].every((d) => d.outcome !== 'refused')).toBe(true);
    expect(await counterValue('HOUR', to)).toBe(1);
    expect(await counterValue('DAY', to)).toBe(1);
    expect(fleet.sim.submittedMessages().filter((m) => m.destination === '6591110002')).toHaveLength(1);
    await fleet.waitForRecords([messageId]);
    await fleet.receiveEvents(2);
  });

  it('refuses messages over the sub-account’s daily cap with reason daily-cap', async () => {
    // 4 counted so far today (2 + 1 + 1); the cap is 7.
    const bodies = [1, 2, 3, 4].map((n) => ({
      subAccount,
      to: `+659111100${n + 2}`,
      from: 'ACME',
      text: `cap ${n}`,
    }));
    const ids = await fleet.send(bodies);
    const records = await fleet.waitForRecords(ids);
    const refused = ids.flatMap((id) => (records.get(id)?.status === 'failed' ? [records.get(id)] : []));
    expect(ids.filter((id) => records.get(id)?.status === 'delivered')).toHaveLength(3);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ reason: 'daily-cap', errorCode: 'DAILY_CAP' });
    expect(refused[0]?.errorDescription).toContain(
      'velocityLimits.perSubAccountPerDay (7 per sub-account per day)',
    );
    const events = await fleet.receiveEvents(7);
    expect(
      events.filter((event) => event.detailType === detailTypes.failed).map((event) => event.detail.reason),
    ).toEqual(['daily-cap']);
  });
});
