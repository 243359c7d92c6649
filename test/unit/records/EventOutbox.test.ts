import { describe, expect, it } from 'vitest';
import { detailTypes, messageEventId } from '../../../core/events.js';
import type { MessageRecord, PendingEvent } from '../../../core/messageRecord.js';
import { EventOutbox } from '../../../worker/records/EventOutbox.js';
import { RecordingPublisher } from './fakes.js';

function pending(state: 'submitted' | 'delivered', createdAt: number): PendingEvent {
  const eventId = messageEventId('m-1', state);
  return {
    eventId,
    detailType: state === 'submitted' ? detailTypes.submitted : detailTypes.delivered,
    detail: JSON.stringify({ eventId, eventTimestamp: createdAt }),
    createdAt,
  };
}

function recordWith(...events: PendingEvent[]): MessageRecord {
  return {
    messageId: 'm-1',
    subAccount: 'acme',
    status: 'delivered',
    parts: [],
    createdAt: 0,
    updatedAt: 0,
    version: 1,
    pendingEvents: Object.fromEntries(events.map((e) => [e.eventId, e])),
  };
}

function setUp(now = 100_000) {
  const cleared: string[][] = [];
  const publisher = new RecordingPublisher();
  const outbox = new EventOutbox({
    store: {
      clearPendingEvents: async (_id, ids) => {
        cleared.push([...ids]);
      },
    },
    publisher,
    staleAfterMs: 30_000,
    now: () => now,
  });
  return { outbox, publisher, cleared };
}

describe('EventOutbox', () => {
  it('publishes the events the caller created and removes them from the record', async () => {
    const { outbox, publisher, cleared } = setUp();
    const event = pending('delivered', 99_000);
    const result = await outbox.settle(recordWith(event), [event.eventId]);
    await outbox.idle();
    expect(result).toEqual({ published: [event.eventId], deferred: [] });
    expect(publisher.detailTypes()).toEqual([detailTypes.delivered]);
    expect(cleared).toEqual([[event.eventId]]);
  });

  it('leaves a fresh event another process created to that process', async () => {
    const { outbox, publisher } = setUp();
    const event = pending('submitted', 99_000);
    const result = await outbox.settle(recordWith(event));
    expect(result.deferred.map((e) => e.eventId)).toEqual([event.eventId]);
    expect(publisher.published).toEqual([]);
  });

  it('publishes a stale event whose writer died before publishing it', async () => {
    const { outbox, publisher } = setUp();
    const event = pending('submitted', 60_000);
    const result = await outbox.settle(recordWith(event));
    expect(result.published).toEqual([event.eventId]);
    expect(publisher.published).toHaveLength(1);
  });

  it('does not publish again what this process already published, nor remove it twice', async () => {
    const { outbox, publisher, cleared } = setUp();
    const event = pending('delivered', 99_000);
    await outbox.settle(recordWith(event), [event.eventId]);
    const again = await outbox.settle(recordWith(event));
    await outbox.idle();
    expect(again.deferred).toEqual([]);
    expect(publisher.published).toHaveLength(1);
    expect(cleared).toHaveLength(1);
  });

  it('rejects when its own event cannot be published, and keeps it pending', async () => {
    const { outbox, publisher, cleared } = setUp();
    publisher.failNext();
    const event = pending('delivered', 99_000);
    await expect(outbox.settle(recordWith(event), [event.eventId])).rejects.toThrow('publish failed');
    await outbox.idle();
    expect(cleared).toEqual([]);
  });

  it('retries removing published events from the record while the store is failing, with growing pauses', async () => {
    const attempts: string[][] = [];
    const pauses: number[] = [];
    const warnings: Array<Record<string, unknown> | undefined> = [];
    let failures = 2;
    const outbox = new EventOutbox({
      store: {
        clearPendingEvents: async (_id, ids) => {
          attempts.push([...ids]);
          if (failures > 0) {
            failures -= 1;
            throw new Error('store unreachable');
          }
        },
      },
      publisher: new RecordingPublisher(),
      now: () => 100_000,
      clearRetryMs: 1_000,
      wait: async (ms) => {
        pauses.push(ms);
      },
      logger: { debug() {}, info() {}, warn: (_m, attributes) => warnings.push(attributes), error() {} },
    });
    const event = pending('delivered', 99_000);
    await outbox.settle(recordWith(event), [event.eventId]);
    await outbox.idle();
    expect(attempts).toEqual([[event.eventId], [event.eventId], [event.eventId]]);
    expect(pauses).toEqual([1_000, 2_000]);
    expect(warnings).toEqual([]);
  });

  it('gives up removing after clearAttempts and says so once: the event is out', async () => {
    let attempts = 0;
    const warnings: string[] = [];
    const outbox = new EventOutbox({
      store: {
        clearPendingEvents: async () => {
          attempts += 1;
          throw new Error('store unreachable');
        },
      },
      publisher: new RecordingPublisher(),
      now: () => 100_000,
      clearAttempts: 3,
      wait: async () => {},
      logger: { debug() {}, info() {}, warn: (message) => warnings.push(message), error() {} },
    });
    const event = pending('delivered', 99_000);
    const result = await outbox.settle(recordWith(event), [event.eventId]);
    await outbox.idle();
    expect(result.published).toEqual([event.eventId]);
    expect(attempts).toBe(3);
    expect(warnings).toEqual(['could not remove published events from the record']);
  });
});
