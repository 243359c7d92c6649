/**
 * The /suppressions routes' roles and the send routes' suppression reads (issue 15), evaluated the way the
 * whole-fleet IAM contract evaluates recorded calls (test/support/iamContract.ts): each route may make
 * exactly the calls its handler makes on the messages table, where suppression items live, and nothing else.
 */
import type { CfnElement } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiRouteId } from '../../core/openApi.js';
import { queueNameFor, suppressionKey, tableName } from '../../core/tableKeys.js';
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

const prefix = 'sup';
const context: ArnContext = { region: emulatorRegion, accountId: emulatorAccountId };
const messagesTable = tableName('messages', prefix);
const key = suppressionKey('acme', '+6591234567');
const routeIds = ['getSuppression', 'putSuppression', 'deleteSuppression', 'postMessageBatch'] as const;

let synth: SynthesisedFleet;
let policies: StackPolicies;
const roleIds = new Map<ApiRouteId, string>();

beforeAll(() => {
  synth = synthFleet({
    context: { resourcePrefix: prefix },
    fleetConfig: { subAccounts: [{ id: 'acme', password: { secretId: 'acme-smpp' }, optOuts: {} }] },
  });
  if (synth.error !== undefined || synth.templateJson === undefined || synth.fleet === undefined) {
    throw synth.error ?? new Error('synth gave no template');
  }
  const { stack } = synth.fleet;
  for (const routeId of routeIds) {
    const role = stack.api.functions.get(routeId)?.role;
    if (role === undefined) throw new Error(`the ${routeId} function has no role`);
    roleIds.set(routeId, stack.getLogicalId(role.node.defaultChild as CfnElement));
  }
  policies = stackPolicies(synth.templateJson, context, [...roleIds.values()]);
});
afterAll(() => synth?.cleanup());

function calls(routeId: (typeof routeIds)[number], ...made: [string, Record<string, unknown>][]): RoleCalls {
  return {
    name: routeId,
    roleLogicalId: roleIds.get(routeId) ?? '',
    requests: made.flatMap(([target, body]) =>
      authorizationRequests(principalKeys.apiRoute(routeId), target, body, context),
    ),
  };
}

/** The one call each handler makes on the list. */
const madeBy = {
  getSuppression: ['DynamoDB_20120810.GetItem', { TableName: messagesTable, Key: key }],
  putSuppression: ['DynamoDB_20120810.PutItem', { TableName: messagesTable, Item: key }],
  deleteSuppression: ['DynamoDB_20120810.DeleteItem', { TableName: messagesTable, Key: key }],
  postMessageBatch: [
    'DynamoDB_20120810.BatchGetItem',
    { RequestItems: { [messagesTable]: { Keys: [key] } } },
  ],
} as const satisfies Record<(typeof routeIds)[number], [string, Record<string, unknown>]>;

const deniedCount = (role: RoleCalls) => evaluateCalls(policies, [role]).denied.length;

describe('the suppression list’s grants', () => {
  it('allow each route the call its handler makes on the messages table', () => {
    for (const routeId of routeIds) {
      expect(evaluateCalls(policies, [calls(routeId, madeBy[routeId])]).denied, routeId).toEqual([]);
    }
  });

  it('give the /suppressions routes nothing else but their log writes', () => {
    for (const routeId of ['getSuppression', 'putSuppression', 'deleteSuppression'] as const) {
      const unused = unusedGrants(policies, [calls(routeId, madeBy[routeId])]);
      expect(
        unused.filter((grant) => !/ logs:(CreateLogStream|PutLogEvents) /.test(grant)),
        routeId,
      ).toEqual([]);
    }
  });

  it('deny each /suppressions route the other routes’ calls, other tables, the index and the queues', () => {
    const others = (routeId: 'getSuppression' | 'putSuppression' | 'deleteSuppression') =>
      calls(
        routeId,
        ...(['getSuppression', 'putSuppression', 'deleteSuppression'] as const)
          .filter((other) => other !== routeId)
          .map((other) => madeBy[other]),
        ['DynamoDB_20120810.UpdateItem', { TableName: messagesTable, Key: key }],
        ['DynamoDB_20120810.BatchGetItem', { RequestItems: { [messagesTable]: { Keys: [key] } } }],
        ['DynamoDB_20120810.Query', { TableName: messagesTable, IndexName: 'byAcceptedAt' }],
        ['DynamoDB_20120810.GetItem', { TableName: tableName('idempotency', prefix), Key: key }],
        ['DynamoDB_20120810.GetItem', { TableName: tableName('correlation', prefix), Key: key }],
        [
          'AmazonSQS.SendMessage',
          { QueueUrl: `http://127.0.0.1:4566/${emulatorAccountId}/${queueNameFor('acme', prefix)}` },
        ],
      );
    for (const routeId of ['getSuppression', 'putSuppression', 'deleteSuppression'] as const) {
      const role = others(routeId);
      expect(role.requests.length, routeId).toBeGreaterThanOrEqual(8);
      expect(deniedCount(role), routeId).toBe(role.requests.length);
    }
  });
});
