/**
 * An SMSC that closes the connection right after a submit_sm was written, twice in a row for each message,
 * the second time on a bind that had bound again (simulator fault `dropOnSubmit`): issue 18 reported records
 * left `submitting` with two in-doubt attempts and nothing more. Every message must still end, each sent
 * again on a later bind and recorded as in doubt.
 *
 * Each drop also takes down the bind the other messages were using: their deliveries find no bind and come
 * back later, most of them more often than the queue's maxReceiveCount (5). Before deliveries that only
 * waited were put back as fresh copies (SqsSendConsumer, "waiting is not failing"), that sent most of these
 * messages to the DLQ with their records left `submitting`, both attempts in doubt: the reported symptom.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isFinalState } from '../../../core/messageState.js';
import { useAwsEmulator } from '../aws/emulatorFixture.js';
import { startWorkerHarness, subAccount, type WorkerHarness } from './workerHarness.js';

const aws = useAwsEmulator();
let fleet: WorkerHarness | undefined;

afterEach(async () => {
  await fleet?.stop();
  fleet = undefined;
});

describe('connections the SMSC closes right after a submit_sm', () => {
  it('twice for each message, 1- and 2-part: every message is sent again and delivered, and says it was in doubt', async () => {
    const prefix = 'drops';
    // One bind, so each drop leaves the worker with none for a moment; a delivery that finds none comes
    // back a second later (production: 5 s).
    fleet = await startWorkerHarness(aws(), { prefix, binds: 1, sender: { noBindRetrySeconds: 1 } });
    const destinationPrefix = '6597401';
    fleet.sim.setFaults({ dropOnSubmit: { destinationPrefix, timesEach: 2 } });
    const count = 6;
    // Half one part, half two parts.
    const partsOf = (i: number) => (i % 2 === 0 ? 1 : 2);
    const ids = await fleet.send(
      Array.from({ length: count }, (_, i) => ({
        subAccount,
        from: 'ACME',
        to: `+${destinationPrefix}${String(i).padStart(4, '0')}`,
        text: partsOf(i) === 1 ? 'Dropped twice' : `Dropped twice, long: ${'x'.repeat(200)}`,
        idempotencyKey: `${prefix}-${i}`,
      })),
    );
    const records = await fleet.waitForRecords(
      ids,
      (record) => isFinalState(record.status) && record.claimExpiresAtMs === 0,
      180_000,
    );

    expect(ids.map((id) => records.get(id)?.status)).toEqual(ids.map(() => 'delivered'));
    const dropped = fleet.sim.stats().accounts[subAccount]?.submits.dropped;
    expect(dropped).toBe(2 * count);
    let submitAttempts = 0;
    ids.forEach((id, i) => {
      const record = records.get(id);
      expect(record?.parts).toHaveLength(partsOf(i));
      // Its two dropped submits were in doubt and sent again: at least one submit per part more than that.
      const attempts = record?.parts.reduce((sum, part) => sum + (part.submitAttempts ?? 0), 0) ?? 0;
      expect(attempts).toBeGreaterThanOrEqual(partsOf(i) + 2);
      submitAttempts += attempts;
      expect(record?.inDoubt).toBe(true);
      expect(record?.inDoubtReasons?.join('\n')).toMatch(/connection closed.*sent again \(at-least-once\)/);
    });
    // Every part reached its handset, and every copy the SMSC took is a submit the records count (a drop
    // can also cut a neighbour's submit that the SMSC had already taken: that one is in doubt and resent).
    const taken = fleet.sim.submittedMessages();
    expect(new Set(taken.map((m) => m.destination)).size).toBe(count);
    expect(taken.length).toBeGreaterThanOrEqual(ids.reduce((sum, _, i) => sum + partsOf(i), 0));
    expect(taken.length).toBeLessThanOrEqual(submitAttempts - 2 * count);
    // The bind the drops closed bound again.
    expect(fleet.binds.map((bind) => bind.status)).toEqual(['bound']);
  }, 240_000);
});
