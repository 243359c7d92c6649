import { describe, expect, it } from 'vitest';
import {
  type ArnContext,
  authorizationRequests,
  evaluateCalls,
  type PolicyStatement,
  type RoleCalls,
  stackPolicies,
  streamArnOfShardIterator,
  unusedGrants,
} from '../../support/iamContract.js';

const context: ArnContext = { region: 'eu-west-1', accountId: '111122223333' };
const tableArn = (name: string) => `arn:aws:dynamodb:eu-west-1:111122223333:table/${name}`;
const queueArn = 'arn:aws:sqs:eu-west-1:111122223333:p-send-acme';

/** A template with one role, its policy, two tables and a TLS-only queue, as CDK writes them. */
function template(statements: PolicyStatement[], queueStatements: PolicyStatement[] = []) {
  return {
    Resources: {
      Role: { Type: 'AWS::IAM::Role', Properties: {} },
      RolePolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: { Roles: [{ Ref: 'Role' }], PolicyDocument: { Statement: statements } },
      },
      Messages: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'p-messages' } },
      Leases: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'p-bind-leases' } },
      Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'p-send-acme' } },
      QueuePolicy: {
        Type: 'AWS::SQS::QueuePolicy',
        Properties: {
          Queues: [{ Ref: 'Queue' }],
          PolicyDocument: {
            Statement: [
              {
                Action: 'sqs:*',
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
                Effect: 'Deny',
                Principal: { AWS: '*' },
                Resource: { 'Fn::GetAtt': ['Queue', 'Arn'] },
              },
              ...queueStatements,
            ],
          },
        },
      },
    },
  };
}

const role = (requests: RoleCalls['requests']): RoleCalls => ({
  name: 'worker',
  roleLogicalId: 'Role',
  requests,
});
const call = (action: string, resource: string) => ({ principal: 'k', operation: action, action, resource });

describe('authorizationRequests', () => {
  it('authorizes a transaction per item kind and table, and a batch as its single action', () => {
    const transaction = authorizationRequests(
      'k',
      'DynamoDB_20120810.TransactWriteItems',
      {
        TransactItems: [
          { Put: { TableName: 'p-messages' } },
          { ConditionCheck: { TableName: 'p-bind-leases' } },
        ],
      },
      context,
    );
    expect(transaction.map((request) => `${request.action} ${request.resource}`)).toEqual([
      `dynamodb:PutItem ${tableArn('p-messages')}`,
      `dynamodb:ConditionCheckItem ${tableArn('p-bind-leases')}`,
    ]);
    const batch = authorizationRequests(
      'k',
      'AmazonSQS.SendMessageBatch',
      { QueueUrl: 'http://127.0.0.1:4566/111122223333/p-send-acme', Entries: [{}, {}] },
      context,
    );
    expect(batch).toEqual([
      { principal: 'k', operation: 'SQS.SendMessageBatch', action: 'sqs:SendMessage', resource: queueArn },
    ]);
  });

  it('names an index query’s index, an event’s bus, and a call it does not know as unknown', () => {
    expect(
      authorizationRequests(
        'k',
        'DynamoDB_20120810.Query',
        { TableName: 't', IndexName: 'byTime' },
        context,
      )[0]?.resource,
    ).toBe(`${tableArn('t')}/index/byTime`);
    expect(
      authorizationRequests(
        'k',
        'AWSEvents.PutEvents',
        { Entries: [{ EventBusName: 'p-events' }] },
        context,
      )[0]?.resource,
    ).toBe('arn:aws:events:eu-west-1:111122223333:event-bus/p-events');
    expect(authorizationRequests('k', 'Kinesis_20131202.PutRecord', {}, context)[0]?.action).toBe(
      'unknown:Kinesis_20131202.PutRecord',
    );
  });
});

describe('authorizationRequests for DynamoDB Streams', () => {
  const streamArn = `${tableArn('p-messages')}/stream/2026-12-02T12:41:00.123456`;

  it('authorizes stream reads on the stream, GetRecords on the stream its (moto) iterator names', () => {
    const requests = [
      ['DescribeStream', { StreamArn: streamArn }],
      ['GetShardIterator', { StreamArn: streamArn, ShardId: 's-1', ShardIteratorType: 'TRIM_HORIZON' }],
      ['GetRecords', { ShardIterator: `${streamArn}|1|4f6d1b`, Limit: 100 }],
      ['ListStreams', { TableName: 'p-messages' }],
    ] as const;
    expect(
      requests.flatMap(([operation, body]) =>
        authorizationRequests('k', `DynamoDBStreams_20120810.${operation}`, body, context).map(
          (request) => `${request.operation} ${request.action} ${request.resource}`,
        ),
      ),
    ).toEqual([
      `DynamoDBStreams.DescribeStream dynamodb:DescribeStream ${streamArn}`,
      `DynamoDBStreams.GetShardIterator dynamodb:GetShardIterator ${streamArn}`,
      `DynamoDBStreams.GetRecords dynamodb:GetRecords ${streamArn}`,
      // No resource-level permissions: IAM authorizes it on "*".
      'DynamoDBStreams.ListStreams dynamodb:ListStreams *',
    ]);
  });

  it('leaves an iterator that names no stream unplaced, so no grant allows it', () => {
    expect(streamArnOfShardIterator('AAAAAAAAAAG7v…opaque')).toMatch(/^unreadable-shard-iterator:/);
    expect(streamArnOfShardIterator(undefined)).toMatch(/^unreadable-shard-iterator:/);
  });
});

describe('evaluateCalls', () => {
  const grants: PolicyStatement[] = [
    { Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: { 'Fn::GetAtt': ['Messages', 'Arn'] } as never },
    {
      Effect: 'Allow',
      Action: ['sqs:ReceiveMessage'],
      Resource: { 'Fn::GetAtt': ['Queue', 'Arn'] } as never,
    },
  ];

  it('allows what a statement grants on its resource only, whatever the action’s letter case', () => {
    const policies = stackPolicies(template(grants), context, ['Role']);
    const { denied, evaluated } = evaluateCalls(policies, [
      role([
        call('dynamodb:GetItem', tableArn('p-messages')),
        call('DynamoDB:getitem', tableArn('p-messages')),
        call('dynamodb:GetItem', tableArn('p-bind-leases')),
        call('dynamodb:PutItem', tableArn('p-messages')),
      ]),
    ]);
    expect(evaluated).toEqual({ worker: 4 });
    expect(denied).toEqual([
      `worker: dynamodb:GetItem → dynamodb:GetItem on ${tableArn('p-bind-leases')}`,
      `worker: dynamodb:PutItem → dynamodb:PutItem on ${tableArn('p-messages')}`,
    ]);
  });

  it('applies the queue’s TLS-only policy: allowed over HTTPS, denied over plain HTTP', () => {
    const policies = stackPolicies(template(grants), context, ['Role']);
    const receive = [role([call('sqs:ReceiveMessage', queueArn)])];
    expect(evaluateCalls(policies, receive).denied).toEqual([]);
    expect(evaluateCalls(policies, receive, { aws: { SecureTransport: 'false' } }).denied).toHaveLength(1);
  });

  it('does not let a queue policy’s grant to a service stand for the role', () => {
    const forEventBridge: PolicyStatement = {
      Effect: 'Allow',
      Action: 'sqs:SendMessage',
      Principal: { Service: 'events.amazonaws.com' },
      Resource: queueArn,
    };
    const policies = stackPolicies(template(grants, [forEventBridge]), context, ['Role']);
    expect(evaluateCalls(policies, [role([call('sqs:SendMessage', queueArn)])]).denied).toHaveLength(1);
  });

  it('refuses a condition block the evaluator would read only in part', () => {
    const twoKeys: PolicyStatement = {
      Effect: 'Allow',
      Action: 'sqs:SendMessage',
      Resource: queueArn,
      Condition: { StringEquals: { 'aws:SourceAccount': '1', 'aws:SourceVpc': 'v' } },
    };
    const policies = stackPolicies(template([twoKeys]), context, ['Role']);
    expect(() => evaluateCalls(policies, [role([call('sqs:SendMessage', queueArn)])])).toThrow(
      /StringEquals condition has 2 keys/,
    );
  });
});

describe('stackPolicies', () => {
  it('reads a table’s StreamArn as any stream of that table, and allows reads of the one the emulator made', () => {
    const streamRead: PolicyStatement = {
      Effect: 'Allow',
      Action: ['dynamodb:GetRecords'],
      Resource: { 'Fn::GetAtt': ['Messages', 'StreamArn'] } as never,
    };
    const withStream = template([streamRead]);
    withStream.Resources.Messages = {
      Type: 'AWS::DynamoDB::Table',
      Properties: { TableName: 'p-messages', StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' } },
    } as never;
    const policies = stackPolicies(withStream, context, ['Role']);
    expect(policies.identity.get('Role')?.[0]?.Statement).toEqual([
      { ...streamRead, Resource: `${tableArn('p-messages')}/stream/*` },
    ]);
    const read = (table: string) =>
      call('dynamodb:GetRecords', `${tableArn(table)}/stream/2026-12-02T12:41:00.123456`);
    expect(evaluateCalls(policies, [role([read('p-messages'), read('p-bind-leases')])]).denied).toEqual([
      `worker: dynamodb:GetRecords → dynamodb:GetRecords on ${tableArn('p-bind-leases')}/stream/2026-12-02T12:41:00.123456`,
    ]);
  });

  it('names a CloudFormation value it cannot resolve', () => {
    const odd: PolicyStatement = {
      Effect: 'Allow',
      Action: 'ec2:DescribeVpcs',
      Resource: { 'Fn::GetAtt': ['Messages', 'StreamArn'] } as never,
    };
    expect(() => stackPolicies(template([odd]), context, ['Role'])).toThrow(
      'cannot resolve Fn::GetAtt Messages.StreamArn',
    );
  });
});

describe('unusedGrants', () => {
  it('lists each granted action on each resource that no call used', () => {
    const statements: PolicyStatement[] = [
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:Scan'],
        Resource: [{ 'Fn::GetAtt': ['Messages', 'Arn'] }, { 'Fn::GetAtt': ['Leases', 'Arn'] }] as never,
      },
    ];
    const policies = stackPolicies(template(statements), context, ['Role']);
    expect(unusedGrants(policies, [role([call('dynamodb:GetItem', tableArn('p-messages'))])])).toEqual([
      `worker: dynamodb:GetItem on ${tableArn('p-bind-leases')}`,
      `worker: dynamodb:Scan on ${tableArn('p-messages')}`,
      `worker: dynamodb:Scan on ${tableArn('p-bind-leases')}`,
    ]);
  });
});
