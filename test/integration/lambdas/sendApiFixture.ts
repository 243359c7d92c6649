/**
 * The send API over real HTTP against the AWS emulator: one emulator per test file (useAwsEmulator), the
 * fleet's resources from createFleetResources, and local/httpApi serving the Lambda handlers.
 *
 *   const api = useSendApi(fleetConfigInput);
 *   it('…', async () => { const answer = await api().post('/messages', body); … });
 */
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll } from 'vitest';
import { apiEnv } from '../../../core/apiEnv.js';
import { type FleetConfigInput, parseFleetConfig } from '../../../core/fleetConfig.js';
import { emulatorCredentials } from '../../../local/aws/AwsEmulator.js';
import { createFleetResources, type FleetResources } from '../../../local/aws/createFleetResources.js';
import { type HttpApi, type StartHttpApiOptions, startHttpApi } from '../../../local/httpApi/startHttpApi.js';
import { type RecordStream, startRecordStream } from '../../../local/recordStream/startRecordStream.js';
import { type EmulatorFixture, useAwsEmulator } from '../aws/emulatorFixture.js';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** The body parsed as JSON (every answer of this API is JSON). */
  json: Record<string, unknown>;
  text: string;
}

export interface SendApiFixture {
  aws: EmulatorFixture;
  resources: FleetResources;
  api: HttpApi;
  env: Record<string, string>;
  request(
    method: string,
    path: string,
    init?: { body?: unknown; headers?: Record<string, string> },
  ): Promise<HttpAnswer>;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<HttpAnswer>;
  get(path: string): Promise<HttpAnswer>;
  /** Every message now on the queue, received (and so hidden) with their attributes. */
  drain(queueUrl: string): Promise<ReceivedMessage[]>;
}

export interface ReceivedMessage {
  body: string;
  attributes: Record<string, string | undefined>;
}

export interface UseSendApiOptions {
  prefix?: string;
  /** Extra environment, or overrides (e.g. a queue URL that does not exist). */
  env?: (resources: FleetResources) => Record<string, string>;
  /** Sub-accounts in FLEET_CONFIG that get no queue from createFleetResources. */
  extraSubAccounts?: FleetConfigInput['subAccounts'];
  server?: Omit<StartHttpApiOptions, 'env'>;
}

export interface RecordStreamFleet {
  resources: FleetResources;
  /** The records-stream consumer, run over the emulator's stream as `npm start` runs it. */
  stream: RecordStream;
  /** The handlers' environment for these resources (handlerEnvFor). */
  env: Record<string, string>;
}

/**
 * One sub-account's resources (prefix `prefix`) and the records-stream consumer running over them for the
 * file's tests, so what a write announces reaches the example subscriber queue. Stopped after the file.
 */
export function useRecordStreamFleet(aws: () => EmulatorFixture, prefix: string): () => RecordStreamFleet {
  let fleet: RecordStreamFleet | undefined;
  beforeAll(async () => {
    const resources = await createFleetResources(
      aws(),
      parseFleetConfig({ subAccounts: [{ id: 'acme', password: { env: 'X' } }] }),
      { prefix },
    );
    const env = handlerEnvFor(resources, aws().emulator.endpoint);
    const stream = await startRecordStream({
      streamArn: resources.recordStream.streamArn,
      env,
      idlePollMs: 50,
    });
    fleet = { resources, stream, env };
  });
  afterAll(async () => {
    await fleet?.stream.stop();
  });
  return () => {
    if (fleet === undefined) throw new Error('useRecordStreamFleet: used before its beforeAll ran');
    return fleet;
  };
}

/** What every handler needs to reach these resources on the emulator, quietly (the stack sets the rest in AWS). */
export function handlerEnvFor(resources: FleetResources, endpoint: string): Record<string, string> {
  return {
    ...resources.env,
    [apiEnv.awsEndpointUrl]: endpoint,
    [apiEnv.awsRegion]: 'us-east-1',
    [apiEnv.awsAccessKeyId]: emulatorCredentials.accessKeyId,
    [apiEnv.awsSecretAccessKey]: emulatorCredentials.secretAccessKey,
    [apiEnv.logLevel]: 'SILENT',
  };
}

/** The environment the API handlers need for these resources (what the stack sets in AWS). */
export function apiEnvFor(
  resources: FleetResources,
  fleet: FleetConfigInput,
  endpoint: string,
): Record<string, string> {
  return {
    ...handlerEnvFor(resources, endpoint),
    [apiEnv.fleetConfig]: JSON.stringify(fleet),
    [apiEnv.metricsDisabled]: 'true',
  };
}

export function useSendApi(fleet: FleetConfigInput, options: UseSendApiOptions = {}): () => SendApiFixture {
  const aws = useAwsEmulator();
  let fixture: SendApiFixture | undefined;
  beforeAll(async () => {
    const emulator = aws();
    const resources = await createFleetResources(emulator, parseFleetConfig(fleet), {
      prefix: options.prefix ?? 'api',
      subscriber: false,
    });
    const fullFleet = { ...fleet, subAccounts: [...fleet.subAccounts, ...(options.extraSubAccounts ?? [])] };
    const env = {
      ...apiEnvFor(resources, fullFleet, emulator.emulator.endpoint),
      ...options.env?.(resources),
    };
    const api = await startHttpApi({ ...options.server, env });
    const request: SendApiFixture['request'] = async (method, path, init = {}) => {
      const body =
        init.body === undefined
          ? undefined
          : typeof init.body === 'string'
            ? init.body
            : JSON.stringify(init.body);
      const response = await fetch(`${api.url}${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...init.headers },
        ...(body === undefined ? {} : { body }),
      });
      const text = await response.text();
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        throw new Error(
          `${method} ${path} answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`,
        );
      }
      return { status: response.status, headers: response.headers, json, text };
    };
    fixture = {
      aws: emulator,
      resources,
      api,
      env,
      request,
      post: (path, body, headers = {}) => request('POST', path, { body, headers }),
      get: (path) => request('GET', path),
      drain: async (queueUrl) => {
        const messages: ReceivedMessage[] = [];
        for (;;) {
          const received = await emulator.sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: queueUrl,
              MaxNumberOfMessages: 10,
              WaitTimeSeconds: 0,
              MessageAttributeNames: ['All'],
            }),
          );
          const batch = received.Messages ?? [];
          if (batch.length === 0) return messages;
          for (const message of batch) {
            messages.push({
              body: message.Body ?? '',
              attributes: Object.fromEntries(
                Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
                  name,
                  value.StringValue,
                ]),
              ),
            });
          }
        }
      },
    };
  }, 180_000);
  afterAll(async () => {
    await fixture?.api.stop();
    fixture = undefined;
  });
  return () => {
    if (fixture === undefined)
      throw new Error('the send API is not running: use api() inside a test or hook');
    return fixture;
  };
}
