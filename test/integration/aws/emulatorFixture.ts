/**
 * One AWS emulator per test file, and SDK clients pointed at it.
 *
 *   const aws = useAwsEmulator();           // at the top of a describe or the file: registers beforeAll/afterAll
 *   it('…', async () => { await aws().sqs.send(…) });
 *
 * Or by hand: `const fixture = await startEmulatorFixture(); … await fixture.stop();`.
 * A fresh process per file (not one per suite): one moto process slows down over a long run.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { type AwsEmulator, clientConfig, startAwsEmulator } from '../../../local/aws/AwsEmulator.js';

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

export async function startEmulatorFixture(): Promise<EmulatorFixture> {
  const started = performance.now();
  const emulator = await startAwsEmulator();
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

/** Starts an emulator before the file's (or describe's) tests and stops it after; returns an accessor. */
export function useAwsEmulator(): () => EmulatorFixture {
  let fixture: EmulatorFixture | undefined;
  // A first run installs moto into .venv (about 30 s); later runs start in well under a second.
  beforeAll(async () => {
    fixture = await startEmulatorFixture();
  }, 180_000);
  afterAll(async () => {
    await fixture?.stop();
    fixture = undefined;
  });
  return () => {
    if (fixture === undefined)
      throw new Error('the AWS emulator is not running: use aws() inside a test or hook');
    return fixture;
  };
}
