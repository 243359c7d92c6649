/**
 * The worker's and the send routes' grants on the velocity table (issue 15), evaluated the way the whole-fleet IAM contract
 * evaluates recorded calls (test/support/iamContract.ts): with velocityLimits configured, the one
 * TransactWriteItems per message (a marker put and counter updates) is allowed on the velocity table and
 * nothing else there; without them, the worker may not touch it.
 */
import type { CfnElement } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { apiEnv } from '../../core/apiEnv.js';
import { tableName } from '../../core/tableKeys.js';
import { velocityCount, velocityTransaction } from '../../core/velocityLimits.js';
import { emulatorAccountId, emulatorRegion } from '../../local/aws/AwsEmulator.js';
import {
  type ArnContext,
  authorizationRequests,
  evaluateCalls,
  principalKeys,
  type RoleCalls,
  stackPolicies,
  unusedGrants,
} from '../support/iamContract.js';
import { type SynthesisedFleet, synthFleet } from './synthFleet.js';

const prefix = 'vel';
const context: ArnContext = { region: emulatorRegion, accountId: emulatorAccountId };
const velocityTable = tableName('velocity', prefix);
const count = velocityCount(
  { subAccount: 'acme', messageId: 'm1', to: '+6591234567', now: Date.UTC(2026, 11, 2) },
  { perDestinationPerHour: 5, perSubAccountPerDay: 1000 },
);
const transaction = velocityTransaction(velocityTable, count, 'm1');

const synths: SynthesisedFleet[] = [];
afterAll(() => {
  for (const synth of synths) synth.cleanup();
});

function workerPolicies(velocityLimits: boolean) {
  const synth = synthFleet({
    context: { resourcePrefix: prefix },
    fleetConfig: {
      subAccounts: [
        {
          id: 'acme',
          password: { secretId: 'acme-smpp' },
          ...(velocityLimits
            ? { velocityLimits: { perDestinationPerHour: 5, perSubAccountPerDay: 1000 } }
            : {}),
        },
      ],
    },
  });
  synths.push(synth);
  if (synth.error !== undefined || synth.templateJson === undefined || synth.fleet === undefined) {
    throw synth.error ?? new Error('synth gave no template');
  }
  const { stack } = synth.fleet;
  const role = stack.workers.taskDefinition.taskRole;
  const roleLogicalId = stack.getLogicalId(role.node.defaultChild as CfnElement);
  const routeRoles = new Map<string, string>();
  const routeEnv = new Map<string, Record<string, unknown>>();
  for (const routeId of ['postMessage', 'postMessageBatch'] as const) {
    const fn = stack.api.functions.get(routeId);
    if (fn?.role === undefined) throw new Error(`the ${routeId} function has no role`);
    routeRoles.set(routeId, stack.getLogicalId(fn.role.node.defaultChild as CfnElement));
    const fnLogicalId = stack.getLogicalId(fn.node.defaultChild as CfnElement);
    const template = synth.templateJson as unknown as {
      Resources: Record<string, { Properties?: { Environment?: { Variables?: Record<string, unknown> } } }>;
    };
    routeEnv.set(routeId, template.Resources[fnLogicalId]?.Properties?.Environment?.Variables ?? {});
  }
  return {
    policies: stackPolicies(synth.templateJson, context, [roleLogicalId, ...routeRoles.values()]),
    roleLogicalId,
    routeRoles,
    routeEnv,
  };
}

function calls(roleLogicalId: string, ...made: [string, Record<string, unknown>][]): RoleCalls {
  return callsAs(principalKeys.worker, roleLogicalId, ...made);
}

function callsAs(
  principal: string,
  roleLogicalId: string,
  ...made: [string, Record<string, unknown>][]
): RoleCalls {
  return {
    name: principal,
    roleLogicalId,
    requests: made.flatMap(([target, body]) => authorizationRequests(principal, target, body, context)),
  };
}

describe('the worker’s grants on the velocity table', () => {
  it('allow the counting transaction, and nothing else there, when a sub-account has velocityLimits', () => {
    const { policies, roleLogicalId } = workerPolicies(true);
    const counting = calls(roleLogicalId, ['DynamoDB_20120810.TransactWriteItems', transaction]);
    expect(evaluateCalls(policies, [counting]).denied).toEqual([]);
    expect(unusedGrants(policies, [counting]).filter((grant) => grant.includes(velocityTable))).toEqual([]);
    const other = calls(
      roleLogicalId,
      ['DynamoDB_20120810.GetItem', { TableName: velocityTable, Key: count.marker }],
      ['DynamoDB_20120810.DeleteItem', { TableName: velocityTable, Key: count.marker }],
      ['DynamoDB_20120810.Query', { TableName: velocityTable }],
    );
    expect(evaluateCalls(policies, [other]).denied).toHaveLength(3);
  });

  it('deny the worker the velocity table when no sub-account has velocityLimits', () => {
    const { policies, roleLogicalId } = workerPolicies(false);
    const counting = calls(roleLogicalId, ['DynamoDB_20120810.TransactWriteItems', transaction]);
    expect(evaluateCalls(policies, [counting]).denied.length).toBeGreaterThan(0);
  });
});

describe('the send routes’ grants on the velocity table', () => {
  it('allow postMessage and postMessageBatch the counting transaction, and give them the table’s name', () => {
    const { policies, routeRoles, routeEnv } = workerPolicies(true);
    for (const [routeId, roleLogicalId] of routeRoles) {
      const counting = callsAs(principalKeys.apiRoute(routeId), roleLogicalId, [
        'DynamoDB_20120810.TransactWriteItems',
        transaction,
      ]);
      expect(evaluateCalls(policies, [counting]).denied, routeId).toEqual([]);
      expect(
        unusedGrants(policies, [counting]).filter((grant) => grant.includes(velocityTable)),
        routeId,
      ).toEqual([]);
      expect(Object.keys(routeEnv.get(routeId) ?? {}), routeId).toContain(apiEnv.velocityTable);
    }
  });

  it('give them neither the grant nor the name when no sub-account has velocityLimits', () => {
    const { policies, routeRoles, routeEnv } = workerPolicies(false);
    for (const [routeId, roleLogicalId] of routeRoles) {
      const counting = callsAs(principalKeys.apiRoute(routeId), roleLogicalId, [
        'DynamoDB_20120810.TransactWriteItems',
        transaction,
      ]);
      expect(evaluateCalls(policies, [counting]).denied.length, routeId).toBeGreaterThan(0);
      expect(Object.keys(routeEnv.get(routeId) ?? {}), routeId).not.toContain(apiEnv.velocityTable);
    }
  });
});
