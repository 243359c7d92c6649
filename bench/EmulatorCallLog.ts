/**
 * Counts the AWS calls a run makes, as the emulators received them: moto's request recorder appends every
 * request an emulator serves to its own file (the whole-fleet harness starts its two emulators recording:
 * `fleet.recordedRequestFiles`). `start()` empties the files and `stop()` ends the recording, around the
 * measured window.
 *
 * Each call is classified by its X-Amz-Target (`DynamoDB_20120810.UpdateItem`, `AmazonSQS.ReceiveMessage`,
 * `AWSEvents.PutEvents`), the table or queue it names, and what it carries: items written or read,
 * SQS entries, EventBridge entries, and request bytes (headers + body, as a size for NAT on paper).
 */
import {
  type RecordedRequest,
  readRecordedRequests,
  requestHeader,
  requestJson,
} from '../test/support/recordedRequests.js';

export interface RecordedCall {
  /** `DynamoDB.UpdateItem`, `SQS.ReceiveMessage`, `EventBridge.PutEvents`, … */
  operation: string;
  /** The table, queue URL or bus it names ('' when none). */
  target: string;
  /** Items written (DynamoDB), entries sent/deleted/changed (SQS batch calls), events (PutEvents). */
  entries: number;
  /** Items read (GetItem 1, BatchGetItem keys, Query/Scan 1 — their results are not recorded). */
  itemsRead: number;
  /** TransactWriteItems: DynamoDB bills two write units per item. */
  transactional: boolean;
  /** Request size: method line + headers + body. */
  requestBytes: number;
  /** The access key id it was signed with: who called (test/support/iamContract.ts principalKeys). */
  principal: string;
}

const servicePrefixes: Array<[string, string]> = [
  ['DynamoDB_20120810.', 'DynamoDB.'],
  ['DynamoDBStreams_20120810.', 'DynamoDBStreams.'],
  ['AmazonSQS.', 'SQS.'],
  ['AWSEvents.', 'EventBridge.'],
  ['secretsmanager.', 'SecretsManager.'],
];

export class EmulatorCallLog {
  readonly #paths: string[];
  readonly #endpoints: string[];
  #unreadable = 0;

  private constructor(paths: string[], endpoints: string[]) {
    this.#paths = paths;
    this.#endpoints = endpoints;
  }

  /** The emulators at `endpoints`, recording into `paths` (one file each). */
  static forEmulators(paths: readonly string[], endpoints: readonly string[]): EmulatorCallLog {
    return new EmulatorCallLog([...paths], [...endpoints]);
  }

  async start(): Promise<void> {
    await this.#each('reset-recording');
    await this.#each('start-recording');
  }

  async stop(): Promise<RecordedCall[]> {
    await this.#each('stop-recording');
    return this.calls();
  }

  calls(): RecordedCall[] {
    const { requests, unreadable } = readRecordedRequests(this.#paths);
    this.#unreadable = unreadable;
    return requests.map(classify);
  }

  /** Recorded lines that could not be read (reported, so a count that is short says so). */
  get unreadable(): number {
    return this.#unreadable;
  }

  async #each(action: string): Promise<void> {
    await Promise.all(
      this.#endpoints.map(async (endpoint) => {
        const response = await fetch(`${endpoint}/moto-api/recorder/${action}`, { method: 'POST' });
        if (!response.ok) throw new Error(`emulator recorder ${action}: HTTP ${response.status}`);
        await response.arrayBuffer();
      }),
    );
  }
}

function classify(entry: RecordedRequest): RecordedCall {
  const bodyText = entry.body;
  const amzTarget = requestHeader(entry, 'X-Amz-Target');
  let operation = amzTarget || `${entry.method} ${entry.url}`;
  for (const [prefix, service] of servicePrefixes) {
    if (amzTarget.startsWith(prefix)) operation = service + amzTarget.slice(prefix.length);
  }
  // {} for a query-protocol call: counted by its operation only.
  const body = requestJson(entry);
  const headerBytes = Object.entries(entry.headers).reduce(
    (sum, [key, value]) => sum + key.length + value.length + 4,
    0,
  );
  const call: RecordedCall = {
    operation,
    target: String(body.TableName ?? body.QueueUrl ?? body.EventBusName ?? ''),
    entries: 0,
    itemsRead: 0,
    transactional: false,
    requestBytes: entry.method.length + entry.url.length + 12 + headerBytes + Buffer.byteLength(bodyText),
    principal: /Credential=([^/]+)\//.exec(requestHeader(entry, 'Authorization'))?.[1] ?? '',
  };
  const op = operation.slice(operation.indexOf('.') + 1);
  const count = (value: unknown) => (Array.isArray(value) ? value.length : 0);
  switch (op) {
    case 'PutItem':
    case 'UpdateItem':
    case 'DeleteItem':
      call.entries = 1;
      break;
    case 'GetItem':
    case 'Query':
    case 'Scan':
      call.itemsRead = 1;
      break;
    case 'TransactWriteItems': {
      const items = (body.TransactItems ?? []) as Array<Record<string, { TableName?: string }>>;
      call.entries = items.filter((item) => !('ConditionCheck' in item)).length;
      call.transactional = true;
      call.target = Object.values(items[0] ?? {})[0]?.TableName ?? '';
      break;
    }
    case 'BatchWriteItem': {
      const requests = (body.RequestItems ?? {}) as Record<string, unknown[]>;
      call.entries = Object.values(requests).reduce((sum, list) => sum + list.length, 0);
      call.target = Object.keys(requests)[0] ?? '';
      break;
    }
    case 'BatchGetItem': {
      const requests = (body.RequestItems ?? {}) as Record<string, { Keys?: unknown[] }>;
      call.itemsRead = Object.values(requests).reduce((sum, table) => sum + (table.Keys?.length ?? 0), 0);
      call.target = Object.keys(requests)[0] ?? '';
      break;
    }
    case 'SendMessageBatch':
    case 'DeleteMessageBatch':
    case 'ChangeMessageVisibilityBatch':
    case 'PutEvents':
      call.entries = count(body.Entries);
      if (op === 'PutEvents') {
        const first = (body.Entries as Array<{ EventBusName?: string }> | undefined)?.[0];
        call.target = first?.EventBusName ?? '';
      }
      break;
    default:
      call.entries = 1;
  }
  return call;
}
