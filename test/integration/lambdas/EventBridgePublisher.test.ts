/** The publisher against the emulator's EventBridge: batches arrive through a rule at a subscriber queue. */
import { type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { detailTypes, inboundEventId, type SmsEvent } from '../../../core/events.js';
import { parseFleetConfig } from '../../../core/fleetConfig.js';
import { EventBridgePublisher } from '../../../lambdas/shared/EventBridgePublisher.js';
import { EventPublishError } from '../../../lambdas/shared/errors.js';
import { createFleetResources, type FleetResources } from '../../../local/aws/createFleetResources.js';
import { useAwsEmulator } from '../aws/emulatorFixture.js';

const aws = useAwsEmulator();
let resources: FleetResources;

beforeAll(async () => {
  resources = await createFleetResources(
    aws(),
    parseFleetConfig({ subAccounts: [{ id: 'acme', password: { env: 'X' } }] }),
    { prefix: 'publisher' },
  );
});

function inbound(n: number): SmsEvent {
  return {
    detailType: detailTypes.inbound,
    detail: {
      eventId: inboundEventId('acme', `mo-${n}`),
      eventType: 'TEXT_INBOUND',
      inboundMessageId: `mo-${n}`,
      subAccount: 'acme',
      originationNumber: '6598765432',
      destinationNumber: '72000',
      messageBody: `hello ${n}`,
      messageEncoding: 'GSM7',
      eventTimestamp: 1_764_000_000_000 + n,
    },
  };
}

async function receive(count: number): Promise<Message[]> {
  const messages: Message[] = [];
  const deadline = Date.now() + 20_000;
  while (messages.length < count && Date.now() < deadline) {
    const result = await aws().sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: resources.subscriber?.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    messages.push(...(result.Messages ?? []));
  }
  return messages;
}

describe('EventBridgePublisher', () => {
  it('publishes 25 events in batches of at most 10, each once, in EventBridge’s envelope', async () => {
    const publisher = new EventBridgePublisher({
      client: aws().eventBridge,
      eventBusName: resources.eventBus.name,
    });
    const batches: number[] = [];
    publisher.on('batch', (info) => batches.push(info.entries));
    await Promise.all(Array.from({ length: 25 }, (_, n) => publisher.publish(inbound(n))));
    // Published again: nothing more goes out.
    await publisher.publish(inbound(3));
    await publisher.stop();
    expect(batches.every((size) => size <= 10)).toBe(true);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(25);

    const messages = await receive(25);
    const envelopes = messages.map((m) => JSON.parse(m.Body ?? '{}'));
    expect(envelopes).toHaveLength(25);
    expect(new Set(envelopes.map((e) => e.detail.eventId)).size).toBe(25);
    expect(envelopes[0]).toMatchObject({
      source: 'smpp-fleet',
      'detail-type': detailTypes.inbound,
      account: expect.any(String),
    });
  });

  it('rejects a caller whose event the bus refuses, after its retries', async () => {
    const publisher = new EventBridgePublisher({
      client: aws().eventBridge,
      eventBusName: 'no-such-bus',
      maxAttempts: 2,
      retryInitialMs: 10,
      retryMaxMs: 20,
      requestTimeoutMs: 2_000,
    });
    await expect(publisher.publish(inbound(100))).rejects.toBeInstanceOf(EventPublishError);
    await publisher.stop();
  });
});
