import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { detailTypes, type EventEntry, messageEventId, type SmsEvent } from '../../../core/events.js';
import { BatchingEventPublisher, type EntryResult } from '../../../lambdas/shared/BatchingEventPublisher.js';
import { EventPublishError, PublisherStoppedError } from '../../../lambdas/shared/errors.js';

function event(n: number): SmsEvent {
  return {
    detailType: detailTypes.inbound,
    detail: {
      eventId: messageEventId(`m-${n}`, 'delivered'),
      eventType: 'TEXT_INBOUND',
      inboundMessageId: `in-${n}`,
      subAccount: 'acme',
      originationNumber: '6591234567',
      destinationNumber: 'ACME',
      messageBody: 'hi',
      messageEncoding: 'GSM7',
      eventTimestamp: 1,
    },
  };
}

type Batch = readonly EventEntry[];

function publisherWith(
  answer: (batch: Batch, call: number) => EntryResult[] | Promise<EntryResult[]>,
  options = {},
) {
  const batches: Batch[] = [];
  const publisher = new BatchingEventPublisher({
    eventBusName: 'bus',
    lingerMs: 15,
    retryInitialMs: 10,
    retryMaxMs: 20,
    random: () => 0.5,
    sendBatch: async (entries) => {
      batches.push(entries);
      return answer(entries, batches.length);
    },
    ...options,
  });
  return { publisher, batches };
}

const allOk = (batch: Batch): EntryResult[] => batch.map(() => ({ ok: true }));

describe('BatchingEventPublisher', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends ten events in one call at once, and the rest after the linger', async () => {
    const { publisher, batches } = publisherWith(allOk);
    const done = Array.from({ length: 13 }, (_, n) => publisher.publish(event(n)));
    await vi.advanceTimersByTimeAsync(0);
    expect(batches.map((b) => b.length)).toEqual([10]);
    await vi.advanceTimersByTimeAsync(15);
    expect(batches.map((b) => b.length)).toEqual([10, 3]);
    await Promise.all(done);
    expect(batches[0]?.[0]).toMatchObject({
      Source: 'smpp-fleet',
      EventBusName: 'bus',
      DetailType: detailTypes.inbound,
    });
  });

  it('retries only the entries EventBridge refused and settles each caller on its own entry', async () => {
    const { publisher, batches } = publisherWith((batch, call) =>
      batch.map((_, index) =>
        call === 1 && index === 1 ? { ok: false, errorCode: 'InternalFailure' } : { ok: true },
      ),
    );
    const first = publisher.publish(event(1));
    const second = publisher.publish(event(2));
    let firstDone = false;
    void first.then(() => {
      firstDone = true;
    });
    await vi.advanceTimersByTimeAsync(15);
    expect(firstDone).toBe(true);
    await vi.advanceTimersByTimeAsync(50);
    await second;
    expect(batches.map((b) => b.length)).toEqual([2, 1]);
    expect(JSON.parse(batches[1]?.[0]?.Detail ?? '{}').inboundMessageId).toBe('in-2');
  });

  it('gives up on an entry after maxAttempts, rejecting only its caller', async () => {
    const { publisher } = publisherWith(
      (batch) =>
        batch.map((entry) =>
          JSON.parse(entry.Detail).inboundMessageId === 'in-1'
            ? { ok: false, errorCode: 'Throttled' }
            : { ok: true },
        ),
      { maxAttempts: 3 },
    );
    const failing = publisher.publish(event(1));
    const fine = publisher.publish(event(2));
    const failed = expect(failing).rejects.toMatchObject({
      name: 'EventPublishError',
      errorCode: 'Throttled',
      attempts: 3,
    });
    await vi.advanceTimersByTimeAsync(200);
    await failed;
    await fine;
  });

  it('treats a failed call as a failure of each of its entries', async () => {
    const { publisher, batches } = publisherWith((batch, call) => {
      if (call === 1) throw new Error('socket hang up');
      return allOk(batch);
    });
    const done = publisher.publish(event(1));
    await vi.advanceTimersByTimeAsync(100);
    await done;
    expect(batches).toHaveLength(2);
  });

  it('publishes an event id once while it is in flight and after it went out', async () => {
    const { publisher, batches } = publisherWith(allOk);
    const a = publisher.publish(event(1));
    const b = publisher.publish(event(1));
    expect(publisher.knownState(event(1).detail.eventId)?.state).toBe('in-flight');
    await vi.advanceTimersByTimeAsync(15);
    await Promise.all([a, b]);
    await publisher.publish(event(1));
    expect(batches.flat()).toHaveLength(1);
    expect(publisher.knownState(event(1).detail.eventId)).toEqual({ state: 'published' });
  });

  it('flushes on stop and refuses events after it', async () => {
    const { publisher, batches } = publisherWith(allOk);
    const pending = publisher.publish(event(1));
    const stopped = publisher.stop();
    await vi.advanceTimersByTimeAsync(20);
    await stopped;
    await pending;
    expect(batches).toHaveLength(1);
    await expect(publisher.publish(event(2))).rejects.toBeInstanceOf(PublisherStoppedError);
  });

  it('names a bad option', () => {
    expect(() => publisherWith(allOk, { maxBatchSize: 11 })).toThrow(/maxBatchSize/);
  });

  it('rejects an entry larger than PutEvents allows without sending it', async () => {
    const { publisher, batches } = publisherWith(allOk);
    const huge = event(1);
    if (huge.detailType === detailTypes.inbound) huge.detail.messageBody = 'x'.repeat(300_000);
    await expect(publisher.publish(huge)).rejects.toBeInstanceOf(EventPublishError);
    expect(batches).toEqual([]);
  });
});
