/**
 * The records-stream consumer's role, evaluated the way the whole-fleet IAM contract evaluates recorded
 * calls (test/support/iamContract.ts): the stack synthesized for a run's prefix, the calls the consumer and
 * the local runner standing in for Lambda's poller make, with the ARNs the emulator gives (moto's stream
 * ARN and shard iterator), each allowed or denied by the role's policies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventBusNameFor,
  queueNameFor,
  recordEventsDeadLetterQueueNameFor,
  tableName,
} from '../../core/tableKeys.js';
import { emulatorAccountId, emulatorRegion } from '../../local/aws/AwsEmulator.js';
import {
  type AuthorizationRequest,
  evaluateCalls,
  principalKeys,
  type RoleCalls,
  unusedGrants,
} from '../support/iamContract.js';
import { type SynthesisedFunctionRole, synthFunctionRole } from './synthFunctionRole.js';

const prefix = 'rec';
const arn = (service: string, suffix: string) =>
  `arn:aws:${service}:${emulatorRegion}:${emulatorAccountId}:${suffix}`;
/** What moto answers for the messages table's stream: its label is the time the table was made. */
const messagesStreamArn = arn(
  'dynamodb',
  `table/${tableName('messages', prefix)}/stream/2026-12-02T12:41:00.123456`,
);
const queueUrl = (name: string) => `http://127.0.0.1:4566/${emulatorAccountId}/${name}`;

let consumer: SynthesisedFunctionRole;

beforeAll(() => {
  consumer = synthFunctionRole({
    prefix,
    name: 'record events',
    principalKey: principalKeys.recordEvents,
    functionOf: (stack) => stack.recordEvents.consumer,
  });
});
afterAll(() => consumer?.cleanup());

/** The consumer's calls, signed with its key, as the emulator would record them. */
const calls: SynthesisedFunctionRole['calls'] = (...made) => consumer.calls(...made);

/** What reading the stream, publishing its events and giving up on a batch call. */
const everyCallItMakes = () =>
  calls(
    ['DynamoDBStreams_20120810.ListStreams', { TableName: tableName('messages', prefix) }],
    ['DynamoDBStreams_20120810.DescribeStream', { StreamArn: messagesStreamArn }],
    [
      'DynamoDBStreams_20120810.GetShardIterator',
      { StreamArn: messagesStreamArn, ShardId: 'shardId-1', ShardIteratorType: 'TRIM_HORIZON' },
    ],
    ['DynamoDBStreams_20120810.GetRecords', { ShardIterator: `${messagesStreamArn}|1|abc123`, Limit: 100 }],
    ['AWSEvents.PutEvents', { Entries: [{ EventBusName: eventBusNameFor(prefix) }] }],
    [
      'AmazonSQS.SendMessage',
      { QueueUrl: queueUrl(recordEventsDeadLetterQueueNameFor(prefix)), MessageBody: '{}' },
    ],
  );

const denied = (role: RoleCalls) =>
  evaluateCalls(consumer.policies, [role]).denied.map((line) => line.replace(/^record events: /, ''));

describe('the records-stream consumer’s role', () => {
  it('allows reading the messages table’s stream, putting events on the bus and writing a failure record', () => {
    const role = everyCallItMakes();
    expect(role.requests.map((request: AuthorizationRequest) => request.action).sort()).toEqual(
      [
        'dynamodb:DescribeStream',
        'dynamodb:GetRecords',
        'dynamodb:GetShardIterator',
        'dynamodb:ListStreams',
        'events:PutEvents',
        'sqs:SendMessage',
      ].sort(),
    );
    expect(evaluateCalls(consumer.policies, [role]).denied).toEqual([]);
  });

  it('grants nothing else but its log writes', () => {
    expect(unusedGrants(consumer.policies, [everyCallItMakes()])).toEqual([
      `record events: logs:CreateLogStream on ${arn('logs', 'log-group:')}${logGroupOf()}:*`,
      `record events: logs:PutLogEvents on ${arn('logs', 'log-group:')}${logGroupOf()}:*`,
    ]);
  });

  it('touches no table’s items, no other table’s stream, no other bus and no other queue', () => {
    const messagesTable = tableName('messages', prefix);
    const other = calls(
      ['DynamoDB_20120810.GetItem', { TableName: messagesTable }],
      ['DynamoDB_20120810.PutItem', { TableName: messagesTable }],
      ['DynamoDB_20120810.UpdateItem', { TableName: messagesTable }],
      ['DynamoDB_20120810.Query', { TableName: messagesTable, IndexName: 'byAcceptedAt' }],
      ['DynamoDB_20120810.GetItem', { TableName: tableName('correlation', prefix) }],
      ['DynamoDB_20120810.DescribeTable', { TableName: messagesTable }],
      [
        'DynamoDBStreams_20120810.GetRecords',
        {
          ShardIterator: `${arn('dynamodb', `table/${tableName('correlation', prefix)}/stream/2026-12-02T12:41:00.1`)}|1|x`,
        },
      ],
      ['AWSEvents.PutEvents', { Entries: [{ EventBusName: 'default' }] }],
      ['AmazonSQS.SendMessage', { QueueUrl: queueUrl(queueNameFor('acme', prefix)) }],
    );
    expect(denied(other)).toHaveLength(other.requests.length);
  });

  it('denies a stream read it cannot place (an iterator that names no stream)', () => {
    expect(denied(calls(['DynamoDBStreams_20120810.GetRecords', { ShardIterator: 'opaque' }]))).toHaveLength(
      1,
    );
  });
});

/** The consumer's log group: no literal name, so the contract names it by its logical id. */
function logGroupOf(): string {
  const role = consumer.templateJson.Resources;
  const [logicalId] =
    Object.entries(role).find(
      ([id, resource]) =>
        resource.Type === 'AWS::Logs::LogGroup' && id.startsWith('RecordEventsConsumerLogs'),
    ) ?? [];
  if (logicalId === undefined) throw new Error('no log group for the consumer');
  return logicalId;
}
