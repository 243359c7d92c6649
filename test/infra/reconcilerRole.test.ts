/**
 * The reconciler's function (infra/constructs/Reconciler.ts): its schedule, its alarm, and its role evaluated the way the
 * whole-fleet IAM contract evaluates recorded calls (test/support/iamContract.ts) — the calls
 * lambdas/reconcileRecords.ts makes, each allowed, and nothing else.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptedIndex, awaitingSubmissionIndex, queueNameFor, tableName } from '../../core/tableKeys.js';
import { alarmKinds, reconcilerAlarmLabel } from '../../infra/constructs/Monitoring.js';
import { reconcilerEntry } from '../../infra/constructs/Reconciler.js';
import { emulatorAccountId } from '../../local/aws/AwsEmulator.js';
import { evaluateCalls, principalKeys, unusedGrants } from '../support/iamContract.js';
import { type SynthesisedFunctionRole, synthFunctionRole } from './synthFunctionRole.js';

const prefix = 'rcn';

let role: SynthesisedFunctionRole;

beforeAll(() => {
  role = synthFunctionRole({
    prefix,
    name: 'reconciler',
    principalKey: principalKeys.reconciler,
    functionOf: (stack) => stack.reconciler.function,
  });
});
afterAll(() => role?.cleanup());

const calls: SynthesisedFunctionRole['calls'] = (...made) => role.calls(...made);

const messagesTable = tableName('messages', prefix);
const correlationTable = tableName('correlation', prefix);
const everyCallItMakes = () =>
  calls(
    ['DynamoDB_20120810.Query', { TableName: messagesTable, IndexName: acceptedIndex.indexName }],
    ['DynamoDB_20120810.BatchGetItem', { RequestItems: { [messagesTable]: { Keys: [] } } }],
    ['DynamoDB_20120810.UpdateItem', { TableName: messagesTable }],
    ['DynamoDB_20120810.PutItem', { TableName: messagesTable }],
    ['DynamoDB_20120810.GetItem', { TableName: messagesTable }],
    [
      'DynamoDB_20120810.Query',
      { TableName: correlationTable, IndexName: awaitingSubmissionIndex.indexName },
    ],
    ['DynamoDB_20120810.GetItem', { TableName: correlationTable }],
    ['DynamoDB_20120810.UpdateItem', { TableName: correlationTable }],
  );

describe('the reconciler', () => {
  it('runs its handler every 15 minutes, retried twice when an invocation fails', () => {
    role.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      State: 'ENABLED',
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [role.functionLogicalId, 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 2 },
        },
      ],
    });
    role.template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^smpp-fleet reconciler'),
      Environment: {
        Variables: Match.objectLike({
          MESSAGES_TABLE: Match.anyValue(),
          CORRELATION_TABLE: Match.anyValue(),
        }),
      },
      Timeout: 300,
    });
    expect(reconcilerEntry).toBe('lambdas/reconcileRecords.ts');
  });

  it('has an alarm on its failed runs, notifying the alarm topic', () => {
    role.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `${prefix}-${reconcilerAlarmLabel}-${alarmKinds.functionErrors}`,
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: role.functionLogicalId } }],
      Statistic: 'Sum',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^MonitoringAlarmTopic') }],
    });
  });

  it('may query its two indexes, read records in batches, update them, and report unmatched receipts', () => {
    expect(evaluateCalls(role.policies, [everyCallItMakes()]).denied).toEqual([]);
  });

  it('grants nothing else but its log writes', () => {
    const unused = unusedGrants(role.policies, [everyCallItMakes()]);
    expect(unused.every((line) => /logs:(CreateLogStream|PutLogEvents)/.test(line))).toBe(true);
  });

  it('cannot scan, delete, query the tables themselves, touch another table or send to a queue', () => {
    const other = calls(
      ['DynamoDB_20120810.Scan', { TableName: messagesTable }],
      ['DynamoDB_20120810.DeleteItem', { TableName: messagesTable }],
      ['DynamoDB_20120810.Query', { TableName: messagesTable }],
      ['DynamoDB_20120810.Query', { TableName: correlationTable }],
      ['DynamoDB_20120810.PutItem', { TableName: correlationTable }],
      ['DynamoDB_20120810.UpdateItem', { TableName: tableName('leases', prefix) }],
      [
        'AmazonSQS.SendMessage',
        { QueueUrl: `http://127.0.0.1:4566/${emulatorAccountId}/${queueNameFor('acme', prefix)}` },
      ],
    );
    expect(evaluateCalls(role.policies, [other]).denied).toHaveLength(other.requests.length);
  });
});
