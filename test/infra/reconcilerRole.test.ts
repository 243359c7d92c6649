/**
 * The reconciler's function (infra/constructs/Reconciler.ts): its schedule, and its role evaluated the way the
 * whole-fleet IAM contract evaluates recorded calls (test/support/iamContract.ts) — the calls
 * lambdas/reconcileRecords.ts makes, each allowed, and nothing else.
 */
import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptedIndex, awaitingSubmissionIndex, queueNameFor, tableName } from '../../core/tableKeys.js';
import { reconcilerEntry } from '../../infra/constructs/Reconciler.js';
import { emulatorAccountId, emulatorRegion } from '../../local/aws/AwsEmulator.js';
import {
  type ArnContext,
  authorizationRequests,
  evaluateCalls,
  principalKeys,
  type RoleCalls,
  type StackPolicies,
  stackPolicies,
  unusedGrants,
} from '../support/iamContract.js';
import { type SynthesisedFleet, synthFleet } from './synthFleet.js';

const prefix = 'rcn';
const context: ArnContext = { region: emulatorRegion, accountId: emulatorAccountId };

let synth: SynthesisedFleet;
let policies: StackPolicies;
let roleLogicalId: string;
let functionLogicalId: string;

beforeAll(() => {
  synth = synthFleet({
    context: { resourcePrefix: prefix },
    fleetConfig: { subAccounts: [{ id: 'acme', password: { secretId: 'acme-smpp' } }] },
  });
  if (synth.error !== undefined || synth.templateJson === undefined || synth.fleet === undefined) {
    throw synth.error ?? new Error('synth gave no template');
  }
  const { stack } = synth.fleet;
  const fn = stack.reconciler.function;
  if (fn.role === undefined) throw new Error('the reconciler has no role');
  roleLogicalId = stack.getLogicalId(fn.role.node.defaultChild as CfnElement);
  functionLogicalId = stack.getLogicalId(fn.node.defaultChild as CfnElement);
  policies = stackPolicies(synth.templateJson, context, [roleLogicalId]);
});
afterAll(() => synth?.cleanup());

function calls(...made: [target: string, body: Record<string, unknown>][]): RoleCalls {
  return {
    name: 'reconciler',
    roleLogicalId,
    requests: made.flatMap(([target, body]) =>
      authorizationRequests(principalKeys.reconciler, target, body, context),
    ),
  };
}

const messagesTable = tableName('messages', prefix);
const correlationTable = tableName('correlation', prefix);
const everyCallItMakes = () =>
  calls(
    ['DynamoDB_20120810.Query', { TableName: messagesTable, IndexName: acceptedIndex.indexName }],
    ['DynamoDB_20120810.BatchGetItem', { RequestItems: { [messagesTable]: { Keys: [] } } }],
    ['DynamoDB_20120810.UpdateItem', { TableName: messagesTable }],
    ['DynamoDB_20120810.PutItem', { TableName: messagesTable }],
    [
      'DynamoDB_20120810.Query',
      { TableName: correlationTable, IndexName: awaitingSubmissionIndex.indexName },
    ],
    ['DynamoDB_20120810.GetItem', { TableName: correlationTable }],
    ['DynamoDB_20120810.UpdateItem', { TableName: correlationTable }],
  );

describe('the reconciler', () => {
  it('runs its handler every 15 minutes, retried twice when an invocation fails', () => {
    const template = synth.template;
    template?.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      State: 'ENABLED',
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [functionLogicalId, 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 2 },
        },
      ],
    });
    template?.hasResourceProperties('AWS::Lambda::Function', {
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

  it('may query its two indexes, read records in batches, update them, and report unmatched receipts', () => {
    expect(evaluateCalls(policies, [everyCallItMakes()]).denied).toEqual([]);
  });

  it('grants nothing else but its log writes', () => {
    const unused = unusedGrants(policies, [everyCallItMakes()]);
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
    expect(evaluateCalls(policies, [other]).denied).toHaveLength(other.requests.length);
  });
});
