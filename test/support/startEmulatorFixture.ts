/**
 * An AWS emulator and SDK clients pointed at it, started by hand: `const fixture = await startEmulatorFixture();
 * … await fixture.stop();`. Free of vitest so the benchmarks can use it too; tests use `useAwsEmulator()`
 * (test/integration/aws/emulatorFixture.ts).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  type AwsEmulator,
  clientConfig,
  type StartAwsEmulatorOptions,
  startAwsEmulator,
} from '../../local/aws/AwsEmulator.js';

export interface EmulatorFixture {
  emulator: AwsEmulator;
  dynamodb: DynamoDBClient;
  documentClient: DynamoDBDocumentClient;
  sqs: SQSClient;
  eventBridge: EventBridgeClient;
  secretsManager: SecretsManagerClient;
  /** Milliseconds from the call to an emulator that answers (includes a first-time install, if any). */
  startedInMs: number;
  /** Destroys the clients and stops the emulator. */
  stop(): Promise<void>;
}

export async function startEmulatorFixture(
  options: Pick<StartAwsEmulatorOptions, 'recordRequestsTo'> = {},
): Promise<EmulatorFixture> {
  const started = performance.now();
  const emulator = await startAwsEmulator(options);
  const startedInMs = performance.now() - started;
  const config = clientConfig(emulator.endpoint);
  const dynamodb = new DynamoDBClient(config);
  const documentClient = DynamoDBDocumentClient.from(dynamodb, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const sqs = new SQSClient(config);
  const eventBridge = new EventBridgeClient(config);
  const secretsManager = new SecretsManagerClient(config);
  return {
    emulator,
    dynamodb,
    documentClient,
    sqs,
    eventBridge,
    secretsManager,
    startedInMs,
    stop: async () => {
      for (const client of [documentClient, dynamodb, sqs, eventBridge, secretsManager]) client.destroy();
      await emulator.stop();
    },
  };
}
