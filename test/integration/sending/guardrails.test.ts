/**
 * The sub-account's guardrails on the SQS path (issue 15): requests put straight into the send queue, real
 * SmppBinds to the 8x8 simulator, records and events through the emulator's table stream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detailTypes, eventDetailSchemas } from '../../../core/events.js';
import { useAwsEmulator } from '../aws/emulatorFixture.js';
import { startWorkerHarness, subAccount, type WorkerHarness } from './workerHarness.js';

const aws = useAwsEmulator();
let fleet: WorkerHarness;

beforeAll(async () => {
  fleet = await startWorkerHarness(aws(), {
    prefix: 'guardrails',
    account: { blockedDestinations: ['+882', '4470'] },
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
