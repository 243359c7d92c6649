/**
 * The sub-account's guardrails on the SQS path (issue 15): requests put straight into the send queue, real
 * SmppBinds to the 8x8 simulator, records and events through the emulator's table stream.
 */

import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detailTypes, eventDetailSchemas } from '../../../core/events.js';
import { suppressionItem } from '../../../core/suppressions.js';
import { unansweredDeliverSm } from '../../support/deliverSmAnswers.js';
import { pollUntil } from '../../support/poll.js';
import { useAwsEmulator } from '../aws/emulatorFixture.js';
import { startWorkerHarness, subAccount, type WorkerHarness } from './workerHarness.js';

const aws = useAwsEmulator();
let fleet: WorkerHarness;

beforeAll(async () => {
  fleet = await startWorkerHarness(aws(), {
    prefix: 'guardrails',
    account: { blockedDestinations: ['+882', '4470'], optOuts: {} },
  });
});

afterAll(async () => {
  await fleet?.stop();
});

describe('country rules through SQS', () => {
  it('sends to an allowed number and records a blocked one failed with reason blocked-destination, unsent', async () => {
    const allowed = { subAccount, to: '+6591230001', from: 'ACME', text: 'allowed', clientReference: 'ok' };
    const blocked = { subAccount, to: '+8821230002', from: 'ACME', text: 'blocked', clientReference: 'no' };
    const blockedLonger = { subAccount, to: '+447012345678', from: 'ACME', text: 'blocked too' };
    const [allowedId, blockedId, blockedLongerId] = await fleet.send([allowed, blocked, blockedLonger]);
    const records = await fleet.waitForRecords([allowedId, blockedId, blockedLongerId] as string[]);

    expect(records.get(allowedId as string)?.status).toBe('delivered');
    for (const id of [blockedId, blockedLongerId] as string[]) {
      expect(records.get(id)).toMatchObject({ status: 'failed', reason: 'blocked-destination' });
    }
    expect(records.get(blockedId as string)?.errorDescription).toBe(
      'The destination +8821230002 is a blocked destination for this sub-account (prefix +882 is on its block-list); it was not sent',
    );

    const destinations = fleet.sim.submittedMessages().map((message) => message.destination);
    expect(destinations).toContain('6591230001');
    expect(destinations).not.toContain('8821230002');
    expect(destinations).not.toContain('447012345678');

    // submitted + delivered for the allowed one, one SMS Failed for each blocked one.
    const events = await fleet.receiveEvents(4);
    const failed = events.filter((event) => event.detailType === detailTypes.failed);
    expect(failed.map((event) => event.detail.messageId).sort()).toEqual([blockedId, blockedLongerId].sort());
    for (const event of failed) {
      expect(event.detail).toMatchObject({
        reason: 'blocked-destination',
        eventType: 'TEXT_BLOCKED',
        messageStatus: 'BLOCKED',
      });
      expect(eventDetailSchemas[detailTypes.failed].safeParse(event.detail).success).toBe(true);
    }
    expect(failed.find((event) => event.detail.messageId === blockedId)?.detail.clientReference).toBe('no');
  });
});

describe('opt-outs through SQS', () => {
  it('puts a number that replies " stop " on the list (SMS Opted Out once), then refuses sends to it', async () => {
    const number = '+6598760001';
    fleet.sim.sendMobileOriginated(subAccount, { from: number, to: '72000', text: ' stop ' });
    const moEvents = await fleet.receiveEvents(2);
    const optedOut = moEvents.filter((event) => event.detailType === detailTypes.optedOut);
    expect(optedOut).toHaveLength(1);
    expect(optedOut[0]?.detail).toMatchObject({
      subAccount,
      phoneNumber: number,
      source: 'inbound-keyword',
      keyword: 'STOP',
      eventType: 'TEXT_OPTED_OUT',
    });
    expect(eventDetailSchemas[detailTypes.optedOut].safeParse(optedOut[0]?.detail).success).toBe(true);
    // The STOP is still an inbound message, and answered only once recorded.
    const inbound = moEvents.find((event) => event.detailType === detailTypes.inbound);
    expect(inbound?.detail.inboundMessageId).toBe(optedOut[0]?.detail.inboundMessageId);
    await pollUntil(
      'the MO answered',
      () => (fleet.sim.stats().accounts[subAccount]?.mo.outstanding ?? 1) === 0,
      {
        timeoutMs: 30_000,
        intervalMs: 100,
      },
    );
    expect(unansweredDeliverSm('MO', fleet.sim.stats().accounts[subAccount]?.mo)).toEqual([]);

    const submittedBefore = fleet.sim.submittedMessages().length;
    const [refusedId, otherId] = await fleet.send([
      { subAccount, to: number, from: 'ACME', text: 'after STOP', clientReference: 'stopped' },
      { subAccount, to: '+6598760002', from: 'ACME', text: 'someone else' },
    ]);
    const records = await fleet.waitForRecords([refusedId, otherId] as string[]);
    expect(records.get(refusedId as string)).toMatchObject({ status: 'failed', reason: 'opted-out' });
    expect(records.get(refusedId as string)?.errorDescription).toBe(
      `The destination ${number} opted out of messages from sub-account ${subAccount} (by replying STOP); DELETE /suppressions/{number} lifts it; it was not sent`,
    );
    expect(records.get(otherId as string)?.status).toBe('delivered');
    const newDestinations = fleet.sim
      .submittedMessages()
      .slice(submittedBefore)
      .map((message) => message.destination);
    expect(newDestinations).toEqual(['6598760002']);

    const events = await fleet.receiveEvents(3);
    const failed = events.filter((event) => event.detailType === detailTypes.failed);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.detail).toMatchObject({
      messageId: refusedId,
      reason: 'opted-out',
      messageStatus: 'OPTED_OUT',
      clientReference: 'stopped',
    });
    expect(eventDetailSchemas[detailTypes.failed].safeParse(failed[0]?.detail).success).toBe(true);
  });

  it('reads the suppression list once per message (one GetItem) when the number is not on it', async () => {
    fleet.takeAwsCalls();
    const bodies = Array.from({ length: 5 }, (_, index) => ({
      subAccount,
      to: `+659877000${index}`,
      from: 'ACME',
      text: `clear ${index}`,
    }));
    const ids = await fleet.send(bodies);
    const records = await fleet.waitForRecords(ids);
    expect(ids.map((id) => records.get(id)?.status)).toEqual(bodies.map(() => 'delivered'));
    await fleet.receiveEvents(10);
    // The worker's sending path reads no other item of the messages table: these are the checks.
    const calls = fleet.takeTableCalls();
    expect(calls[`GetItemCommand ${fleet.resources.tables.messages}`]).toBe(bodies.length);
    // A sub-account without velocityLimits counts nothing: no transaction.
    expect(fleet.takeAwsCalls().TransactWriteItemsCommand).toBeUndefined();
  });

  it('does not treat a text that only contains a keyword as an opt-out', async () => {
    const number = '+6598760003';
    fleet.sim.sendMobileOriginated(subAccount, { from: number, to: '72000', text: 'please do not stop' });
    const events = await fleet.receiveEvents(1);
    expect(events.map((event) => event.detailType)).toEqual([detailTypes.inbound]);
    const [id] = await fleet.send([{ subAccount, to: number, from: 'ACME', text: 'still welcome' }]);
    const records = await fleet.waitForRecords([id] as string[]);
    expect(records.get(id as string)?.status).toBe('delivered');
    await fleet.receiveEvents(2);
  });

  it('refuses a number the API put on the list (its item, written as PUT /suppressions writes it)', async () => {
    const number = '+6598760004';
    await aws().documentClient.send(
      new PutCommand({
        TableName: fleet.resources.tables.messages,
        Item: suppressionItem({
          subAccount,
          phoneNumber: number,
          source: 'api',
          optedOutAt: 1_700_000_000_000,
        }),
      }),
    );
    expect((await fleet.receiveEvents(1)).map((event) => event.detail.source)).toEqual(['api']);
    const [id] = await fleet.send([{ subAccount, to: number, from: 'ACME', text: 'after the PUT' }]);
    const records = await fleet.waitForRecords([id] as string[]);
    expect(records.get(id as string)).toMatchObject({ status: 'failed', reason: 'opted-out' });
    expect(fleet.sim.submittedMessages().map((message) => message.destination)).not.toContain('6598760004');
    const events = await fleet.receiveEvents(1);
    expect(events.map((event) => [event.detailType, event.detail.reason])).toEqual([
      [detailTypes.failed, 'opted-out'],
    ]);
  });
});
