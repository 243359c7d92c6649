/** The SQS consumer against the emulator's SQS, with a scripted handler (no SMPP here). */
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { clientConfig } from '../../../local/aws/AwsEmulator.js';
import type { MessageDisposition } from '../../../worker/sending/MessageSender.js';
import type { SendQueueMessage } from '../../../worker/sending/SendPlanner.js';
import { SqsSendConsumer, type SqsSendConsumerOptions } from '../../../worker/sending/SqsSendConsumer.js';
import { sleep as delay } from '../../support/poll.js';
import { useAwsEmulator } from '../aws/emulatorFixture.js';

const aws = useAwsEmulator();
const consumers: SqsSendConsumer[] = [];
let queueCounter = 0;

afterEach(async () => {
  await Promise.all(consumers.splice(0).map((consumer) => consumer.stop()));
});

async function queue(messages: number): Promise<string> {
  queueCounter += 1;
  const created = await aws().sqs.send(
    new CreateQueueCommand({ QueueName: `consumer-test-${queueCounter}` }),
  );
  const url = created.QueueUrl ?? '';
  for (let start = 0; start < messages; start += 10) {
    const count = Math.min(10, messages - start);
    await aws().sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: Array.from({ length: count }, (_, i) => ({ Id: String(i), MessageBody: `m-${start + i}` })),
      }),
    );
  }
  return url;
}

async function queueDepth(url: string): Promise<{ visible: number; inFlight: number }> {
  const result = await aws().sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(result.Attributes?.ApproximateNumberOfMessages ?? -1),
    inFlight: Number(result.Attributes?.ApproximateNumberOfMessagesNotVisible ?? -1),
  };
}

function consumer(
  queueUrl: string,
  handleMessage: (message: SendQueueMessage, signal: AbortSignal) => Promise<MessageDisposition>,
  options: Partial<SqsSendConsumerOptions> = {},
): SqsSendConsumer {
  const created = new SqsSendConsumer({
    sqs: aws().sqs,
    queueUrl,
    waitTimeSeconds: 1,
    maxInFlight: () => 10,
    handleMessage,
    ...options,
  });
  consumers.push(created);
  return created;
}

async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(50);
  }
}

const deleted: MessageDisposition = { action: 'delete', outcome: 'submitted' };

describe('SqsSendConsumer', () => {
  it('hands over every message with its receive count and deletes each after its handler says so', async () => {
    const url = await queue(25);
    const seen: SendQueueMessage[] = [];
    const c = consumer(url, async (message) => {
      seen.push(message);
      return deleted;
    });
    c.start();
    c.start();
    await waitFor('25 messages', () => seen.length === 25);
    await c.stop();
    expect(new Set(seen.map((m) => m.body)).size).toBe(25);
    expect(seen.every((m) => m.receiveCount === 1 && m.queueUrl === url)).toBe(true);
    expect(await queueDepth(url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('returns a message for later when its handler says retry, and it comes back with a higher count', async () => {
    const url = await queue(1);
    const counts: number[] = [];
    const c = consumer(url, async (message) => {
      counts.push(message.receiveCount);
      return counts.length === 1 ? { action: 'retry', delaySeconds: 1, outcome: 'waiting' } : deleted;
    });
    c.start();
    await waitFor('the second delivery', () => counts.length === 2);
    expect(counts).toEqual([1, 2]);
  });

  it('puts back a message that only waited as a fresh copy before SQS would send it to the DLQ, under the same message id', async () => {
    // A queue that gives up after 3 receives, as the stack's send queues do after maxReceiveCount.
    queueCounter += 1;
    const dlq = await aws().sqs.send(new CreateQueueCommand({ QueueName: `consumer-dlq-${queueCounter}` }));
    const dlqArn = (
      await aws().sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
      )
    ).Attributes?.QueueArn;
    const created = await aws().sqs.send(
      new CreateQueueCommand({
        QueueName: `consumer-waiting-${queueCounter}`,
        Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 3 }) },
      }),
    );
    const url = created.QueueUrl ?? '';
    await aws().sqs.send(
      new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: '0', MessageBody: 'waits for a bind' }] }),
    );
    const seen: Array<{ receiveCount: number; messageId: string | undefined; body: string }> = [];
    const c = consumer(
      url,
      async (message) => {
        seen.push({
          receiveCount: message.receiveCount,
          messageId: message.attributes.smppFleetMessageId,
          body: message.body,
        });
        // No bind up, eight times in a row: waiting, never a failed try.
        return seen.length < 8
          ? { action: 'retry', delaySeconds: 0, outcome: 'waiting', waitedOnly: { messageId: 'msg-1' } }
          : deleted;
      },
      { maxReceiveCount: 3 },
    );
    const requeued: number[] = [];
    c.on('requeued', ({ receiveCount }) => requeued.push(receiveCount));
    c.start();
    await waitFor('the eighth delivery', () => seen.length === 8, 30_000);
    await waitFor('the queue to empty', async () => {
      const depth = await queueDepth(url);
      return depth.visible === 0 && depth.inFlight === 0;
    });
    expect(Math.max(...seen.map((entry) => entry.receiveCount))).toBeLessThanOrEqual(3);
    expect(requeued.length).toBeGreaterThanOrEqual(2);
    // The original was received twice; every copy after carries the message id (so it meets the same
    // record), and the body is unchanged.
    expect(seen.map((entry) => entry.messageId)).toEqual([undefined, undefined, ...Array(6).fill('msg-1')]);
    expect(new Set(seen.map((entry) => entry.body))).toEqual(new Set(['waits for a bind']));
    expect((await queueDepth(dlq.QueueUrl ?? '')).visible).toBe(0);
  });

  it('lets a message whose handler threw come back', async () => {
    const url = await queue(1);
    let calls = 0;
    const c = consumer(
      url,
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('store down');
        return deleted;
      },
      { failureRetrySeconds: 1 },
    );
    c.start();
    await waitFor('the second delivery', () => calls === 2);
  });

  it('keeps a slow message invisible by extending its visibility', async () => {
    const url = await queue(1);
    let calls = 0;
    let release: () => void = () => {};
    const c = consumer(
      url,
      async () => {
        calls += 1;
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return deleted;
      },
      { visibilityTimeoutSeconds: 2, heartbeatIntervalSeconds: 1 },
    );
    c.start();
    await waitFor('the first delivery', () => calls === 1);
    // Well past the 2 s visibility timeout: without the heartbeat another receive would get it now.
    await delay(4_500);
    const stolen = await aws().sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 0 }));
    expect(stolen.Messages ?? []).toEqual([]);
    expect(calls).toBe(1);
    release();
    await c.stop();
    expect(await queueDepth(url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('holds no more messages than maxInFlight allows, and none while it is 0', async () => {
    const url = await queue(12);
    let room = 0;
    let running = 0;
    let most = 0;
    let handled = 0;
    const c = consumer(
      url,
      async () => {
        running += 1;
        most = Math.max(most, running);
        await delay(100);
        running -= 1;
        handled += 1;
        return deleted;
      },
      { maxInFlight: () => room },
    );
    c.start();
    await delay(1_500);
    expect(handled).toBe(0);
    room = 3;
    c.wake();
    await waitFor('every message', () => handled === 12);
    expect(most).toBeLessThanOrEqual(3);
  });

  it('frees a finished message’s room before its delete is sent, so deletes share calls', async () => {
    const url = await queue(5);
    const sqs = new SQSClient(clientConfig(aws().emulator.endpoint));
    const deleteCalls: number[] = [];
    sqs.middlewareStack.add(
      (next, context) => (args) => {
        if (context.commandName === 'DeleteMessageBatchCommand')
          deleteCalls.push((args.input as { Entries: unknown[] }).Entries.length);
        return next(args);
      },
      { step: 'initialize' },
    );
    let handled = 0;
    // One message at a time, and a delete that waits a second for company: if a message kept its room
    // until its delete was sent, each delete would go alone.
    const c = consumer(
      url,
      async () => {
        handled += 1;
        return deleted;
      },
      { sqs, maxInFlight: () => 1, batchLingerMs: 1_000 },
    );
    c.start();
    await waitFor('every message', () => handled === 5);
    await c.stop();
    expect(await queueDepth(url)).toEqual({ visible: 0, inFlight: 0 });
    expect(deleteCalls.reduce((sum, entries) => sum + entries, 0)).toBe(5);
    expect(deleteCalls.length).toBeLessThan(5);
    sqs.destroy();
  });

  it('on stop, tells handlers to wind down, waits for them and returns what they leave', async () => {
    const url = await queue(3);
    const signals: AbortSignal[] = [];
    const c = consumer(url, async (_message, signal) => {
      signals.push(signal);
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      return { action: 'retry', delaySeconds: 0, outcome: 'waiting' };
    });
    const states: string[] = [];
    c.on('stopped', () => states.push('stopped'));
    c.start();
    await waitFor('three handlers', () => signals.length === 3);
    await Promise.all([c.stop(), c.stop()]);
    expect(states).toEqual(['stopped']);
    expect(c.inFlight).toBe(0);
    await waitFor('the messages back in the queue', async () => (await queueDepth(url)).visible === 3);

    // And it starts again.
    const again = consumer(url, async () => deleted);
    again.start();
    await waitFor('an empty queue', async () => {
      const depth = await queueDepth(url);
      return depth.visible === 0 && depth.inFlight === 0;
    });
  });

  it('names a heartbeat that would let messages reappear', () => {
    expect(() =>
      consumer('q', async () => deleted, { visibilityTimeoutSeconds: 10, heartbeatIntervalSeconds: 10 }),
    ).toThrow(/heartbeatIntervalSeconds/);
  });
});
