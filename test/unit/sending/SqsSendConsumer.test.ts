/**
 * The consumer's long poll against a fake SQS client that never answers (the emulator test,
 * test/integration/sending/SqsSendConsumer.test.ts, covers the messages themselves).
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SqsSendConsumer } from '../../../worker/sending/SqsSendConsumer.js';

/** Every ReceiveMessage stays unanswered until its abort signal fires, then rejects as the SDK does. */
class SilentSqs {
  readonly signals: AbortSignal[] = [];

  send(_command: unknown, options: { abortSignal: AbortSignal }): Promise<never> {
    const signal = options.abortSignal;
    this.signals.push(signal);
    return new Promise((_, reject) => {
      const abort = () => reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' }));
      if (signal.aborted) abort();
      else signal.addEventListener('abort', abort, { once: true });
    });
  }
}

function setUp() {
  const sqs = new SilentSqs();
  const consumer = new SqsSendConsumer({
    sqs: sqs as unknown as SQSClient,
    queueUrl: 'https://sqs.example/q',
    waitTimeSeconds: 20,
    maxInFlight: () => 10,
    handleMessage: async () => ({ action: 'delete', outcome: 'submitted' }),
  });
  return { sqs, consumer };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('SqsSendConsumer long poll', () => {
  it('gives up a poll SQS leaves unanswered 10 s after its wait, and polls again', async () => {
    const { sqs, consumer } = setUp();
    const failures: unknown[] = [];
    consumer.on('receiveFailed', (error) => failures.push(error));
    consumer.start();
    await vi.advanceTimersByTimeAsync(29_999);
    expect(sqs.signals).toHaveLength(1);
    expect(sqs.signals[0]?.aborted).toBe(false);

    await vi.advanceTimersByTimeAsync(1);
    expect(sqs.signals[0]?.reason).toMatchObject({ name: 'TimeoutError' });
    expect(failures).toHaveLength(1);
    // The next poll follows after the error backoff (at most 500 ms for a first failure; node:timers/promises,
    // which fake timers leave real).
    await vi.waitFor(() => expect(sqs.signals).toHaveLength(2), { timeout: 2_000 });
    expect(sqs.signals[1]?.aborted).toBe(false);

    const stopped = consumer.stop();
    await vi.advanceTimersByTimeAsync(0);
    await stopped;
  });

  it('stops a poll in progress at once when the consumer stops', async () => {
    const { sqs, consumer } = setUp();
    consumer.start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sqs.signals).toHaveLength(1);

    const stopped = consumer.stop();
    await vi.advanceTimersByTimeAsync(0);
    await stopped;
    expect(sqs.signals[0]?.aborted).toBe(true);
    expect(consumer.status).toBe('idle');
    expect(sqs.signals).toHaveLength(1);
  });
});
