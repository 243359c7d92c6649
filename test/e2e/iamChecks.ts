/**
 * The IAM contract for a whole-fleet run (test/support/iamContract.ts does the evaluating): the stack
 * synthesized for the run's sub-account and resource prefix, every call the workers and the API's routes
 * made (as the emulators recorded them), each evaluated against its role, and each granted action no call
 * used. Grants a run does not use are listed here with the reason they stay (docs/iam.md tells the same).
 */
import { ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import type { CfnElement, Stack } from 'aws-cdk-lib';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { FleetFunction } from '../../infra/constructs/FleetFunction.js';
import type { SmppFleetStack } from '../../infra/SmppFleetStack.js';
import { emulatorAccountId, emulatorRegion } from '../../local/aws/AwsEmulator.js';
import { synthFleet } from '../infra/synthFleet.js';
import {
  type ArnContext,
  authorizationRequests,
  type Evaluation,
  evaluateCalls,
  principalKeys,
  type RoleCalls,
  stackPolicies,
  unusedGrants,
} from '../support/iamContract.js';
import {
  readRecordedRequests,
  requestHeader,
  requestJson,
  signingAccessKeyId,
} from '../support/recordedRequests.js';
import type { Fleet } from './fleetHarness.js';
import { subAccount } from './messageMix.js';

/**
 * Grants a whole-fleet run may not use, each with the reason it stays: paths this run does not take (and the
 * run whose own contract check shows them called and allowed) and calls made by something other than the
 * fleet's code. Keys are `role: action on resource` with the run's prefix as `{prefix}`, or `role: action`
 * for any resource. A grant that no call used and that is not listed here fails the least-privilege check.
 */
export const grantsWithoutACallHere: Readonly<Record<string, string>> = {
  'reconciler: dynamodb:UpdateItem on table/{prefix}-messages':
    'The reconciler writes only records no SQS message can move any more (older than the send queue’s ' +
    'retention): a whole-fleet run ends with every record final, so its run reads and writes nothing. Called ' +
    'against the emulator in test/integration/lambdas/reconcileRecords.test.ts.',
  'reconciler: dynamodb:PutItem on table/{prefix}-messages':
    'The reconciler reports an early receipt no worker reported (its worker died within 2 minutes of keeping ' +
    'it) 10 minutes after it came: no run is that long. Called against the emulator in ' +
    'test/integration/lambdas/reconcileRecords.test.ts.',
  'reconciler: dynamodb:GetItem on table/{prefix}-smsc-correlation':
    'As for its PutItem: it re-reads a listed early receipt before reporting it.',
  'reconciler: dynamodb:UpdateItem on table/{prefix}-smsc-correlation':
    'As for its PutItem: it takes a reported receipt off the awaitingSubmission index.',
  'worker: sqs:ChangeMessageVisibility on {prefix}-send-acme':
    'A message waiting for a bind, or refused for a while, has its visibility extended or shortened ' +
    '(worker/sending/SqsSendConsumer.ts): called in the SMSC outage run (smscOutage.test.ts).',
  'worker: sqs:SendMessage on {prefix}-send-acme':
    'A message that only waited (no bind up, the worker stopping) is put back as a fresh copy when its next ' +
    'receive would send it to the DLQ: called against the emulator in ' +
    'test/integration/sending/SqsSendConsumer.test.ts.',
  'worker: dynamodb:DeleteItem on table/{prefix}-bind-leases':
    'A stopping worker removes its presence item, and a worker removes a dead one’s: called in the SIGTERM run ' +
    '(workerStopped.test.ts).',
  'worker: secretsmanager:GetSecretValue on secret:acme-smpp-??????':
    'A deployed worker always reads its SMPP password from Secrets Manager (the stack gives it secret ids ' +
    'only); this run uses an environment variable. Called in smppPasswordSecret.test.ts.',
  'api postMessage: dynamodb:GetItem on table/{prefix}-messages':
    'A put that finds the record already there reads it (a retried request, or the same key’s SQS copy the ' +
    'worker recorded first): whether a run takes it depends on who wins that race. The whole-fleet runs ' +
    'usually do (fleet.test.ts sends each key through the API and SQS at once).',
  'api postMessageBatch: dynamodb:GetItem on table/{prefix}-messages':
    'As for postMessage: an item whose record is already there is read, when the run’s race makes one.',
  'api postMessage: dynamodb:DeleteItem on table/{prefix}-messages':
    'The record of a message the send queue refused is removed, so the caller’s retry starts clean ' +
    '(lambdas/shared/acceptMessages.ts); tested against the emulator in test/integration/lambdas/sendApi.test.ts.',
  'api postMessageBatch: dynamodb:DeleteItem on table/{prefix}-messages':
    'The records of messages the send queue refused are removed, so the caller’s retry starts clean.',
  'api postMessage: dynamodb:DeleteItem on table/{prefix}-idempotency-keys':
    'Powertools idempotency deletes a key’s in-progress record when the handler fails, so a retry runs.',
  'api postMessage: dynamodb:GetItem on table/{prefix}-idempotency-keys':
    'Powertools idempotency reads a key’s record when its conditional put does not return the existing one.',
  'api postMessageBatch: dynamodb:BatchGetItem on table/{prefix}-messages':
    'A batch reads the suppression list of its sub-accounts that keep one (fleet config optOuts): the ' +
    'whole-fleet runs configure none. Called against the emulator in ' +
    'test/integration/lambdas/guardrailsApi.test.ts; the grant is checked in test/infra/suppressionRoutes.test.ts.',
  'api getSuppression: dynamodb:GetItem on table/{prefix}-messages':
    'The /suppressions routes are not called by the whole-fleet runs: against the emulator in ' +
    'test/integration/lambdas/guardrailsApi.test.ts, and their roles in test/infra/suppressionRoutes.test.ts.',
  'api putSuppression: dynamodb:PutItem on table/{prefix}-messages': 'As for getSuppression.',
  'api deleteSuppression: dynamodb:DeleteItem on table/{prefix}-messages': 'As for getSuppression.',
  'api: logs:CreateLogStream': 'Lambda’s runtime writes each function’s log stream with its execution role.',
  'api: logs:PutLogEvents': 'Lambda’s runtime writes each function’s log events with its execution role.',
  'record events: sqs:SendMessage on {prefix}-record-events-dlq':
    'The event source mapping writes a failure record only when it gives up on a batch (10 retries, or a ' +
    'record 24 h old): a whole-fleet run publishes every batch. What the role allows is checked in ' +
    'test/infra/recordEventsRole.test.ts.',
  'record events: dynamodb:ListStreams':
    'Lambda’s poller lists streams (the event source grants it); the local runner is handed the stream’s ARN ' +
    'by createFleetResources and need not.',
  'record events: logs:CreateLogStream': 'Lambda’s runtime writes the function’s log stream with its role.',
  'record events: logs:PutLogEvents': 'Lambda’s runtime writes the function’s log events with its role.',
  'reconciler: logs:CreateLogStream': 'Lambda’s runtime writes the function’s log stream with its role.',
  'reconciler: logs:PutLogEvents': 'Lambda’s runtime writes the function’s log events with its role.',
};

export interface FleetIamContract extends Evaluation {
  /** Every call in the recording, and those signed by the fleet (workers and API routes). */
  readonly requestsRecorded: number;
  readonly unreadable: number;
  /** Granted actions no recorded call used and no reason above explains. */
  readonly unexplainedGrants: string[];
  /** `role: action on resource` of every call evaluated, in the keys' form of grantsWithoutACallHere. */
  readonly called: string[];
  /** What a call over plain HTTP would get from the stack: must be denied (the queues' TLS-only policy). */
  readonly plainHttpAnswer: { call: string; allowed: boolean } | undefined;
}

const logicalIdOf = (stack: Stack, role: IRole) => stack.getLogicalId(role.node.defaultChild as CfnElement);

/**
 * The roles the fleet's own code runs with, by the access key id it signs with here. Fails when the stack
 * has a function of the fleet that the harness does not sign for (a new function must be run here too).
 */
function fleetRoles(stack: SmppFleetStack): Map<string, { name: string; roleLogicalId: string }> {
  const roles = new Map<string, { name: string; roleLogicalId: string }>();
  roles.set(principalKeys.worker, {
    name: 'worker',
    roleLogicalId: logicalIdOf(stack, stack.workers.taskDefinition.taskRole),
  });
  const mapped = new Set<FleetFunction>();
  const consumer = stack.recordEvents.consumer;
  if (consumer.role === undefined) throw new Error('the records-stream consumer has no role');
  roles.set(principalKeys.recordEvents, {
    name: 'record events',
    roleLogicalId: logicalIdOf(stack, consumer.role),
  });
  mapped.add(consumer);
  const reconciler = stack.reconciler.function;
  if (reconciler.role === undefined) throw new Error('the reconciler has no role');
  roles.set(principalKeys.reconciler, {
    name: 'reconciler',
    roleLogicalId: logicalIdOf(stack, reconciler.role),
  });
  mapped.add(reconciler);
  for (const [routeId, fn] of stack.api.functions) {
    if (fn.role === undefined) throw new Error(`the ${routeId} function has no role`);
    roles.set(principalKeys.apiRoute(routeId), {
      name: `api ${routeId}`,
      roleLogicalId: logicalIdOf(stack, fn.role),
    });
    mapped.add(fn);
  }
  const unmapped = stack.node
    .findAll()
    .filter((construct): construct is FleetFunction => construct instanceof FleetFunction)
    .filter((fn) => !mapped.has(fn));
  if (unmapped.length > 0) {
    throw new Error(
      `functions of the fleet the IAM contract does not run: ${unmapped.map((fn) => fn.node.path).join(', ')}`,
    );
  }
  return roles;
}

/** What the contract is checked from: a whole-fleet run's recording and the stack it stands for. */
export interface FleetIamInputs {
  readonly recordedRequestFiles: readonly string[];
  readonly resourcePrefix: string;
  /** The sub-account's password secret (the stack grants reading it); the run may have used an env var. */
  readonly secretId: string;
  /** Secret names → the emulator's ARNs. */
  readonly secretArns: ReadonlyMap<string, string>;
}

/** The run's fleet: its recording, its sub-account, its password source, its resource prefix. */
export async function fleetIamContract(f: Fleet): Promise<FleetIamContract> {
  const password = f.fleetConfig.subAccounts[0]?.password;
  const secrets = await f.aws.secretsManager.send(new ListSecretsCommand({}));
  return iamContractFor({
    recordedRequestFiles: f.recordedRequestFiles,
    resourcePrefix: f.resources.prefix,
    secretId:
      typeof password === 'object' && password !== null && 'secretId' in password
        ? String(password.secretId)
        : `${subAccount}-smpp`,
    secretArns: new Map(
      (secrets.SecretList ?? []).flatMap((secret) =>
        secret.Name !== undefined && secret.ARN !== undefined ? [[secret.Name, secret.ARN]] : [],
      ),
    ),
  });
}

export function iamContractFor(inputs: FleetIamInputs): FleetIamContract {
  const synth = synthFleet({
    context: { resourcePrefix: inputs.resourcePrefix },
    fleetConfig: { subAccounts: [{ id: subAccount, password: { secretId: inputs.secretId } }] },
  });
  try {
    if (synth.error !== undefined || synth.templateJson === undefined || synth.fleet === undefined) {
      throw synth.error ?? new Error('synth gave no template');
    }
    const context: ArnContext = {
      region: emulatorRegion,
      accountId: emulatorAccountId,
      secretArns: inputs.secretArns,
    };
    const roles = fleetRoles(synth.fleet.stack);
    const policies = stackPolicies(
      synth.templateJson,
      context,
      [...roles.values()].map((role) => role.roleLogicalId),
    );

    const { requests, unreadable } = readRecordedRequests(inputs.recordedRequestFiles);
    const byRole = new Map<string, RoleCalls & { requests: ReturnType<typeof authorizationRequests> }>();
    for (const [key, role] of roles) byRole.set(key, { ...role, requests: [] });
    for (const request of requests) {
      const role = byRole.get(signingAccessKeyId(request));
      if (role === undefined) continue;
      const target = requestHeader(request, 'X-Amz-Target') || `${request.method} ${request.url}`;
      role.requests.push(...authorizationRequests(role.name, target, requestJson(request), context));
    }
    const calls = [...byRole.values()];
    const evaluation = evaluateCalls(policies, calls);

    // `worker: dynamodb:DeleteItem on arn:aws:dynamodb:…:table/fleet-bind-leases` → `… on table/{prefix}-bind-leases`.
    const keyForm = (line: string) =>
      line
        .replace(/ on arn:aws:[a-z0-9-]+:[a-z0-9-]*:\d*:/, ' on ')
        .replaceAll(`${inputs.resourcePrefix}-`, '{prefix}-');
    const explained = (grant: string) => {
      const key = keyForm(grant);
      const [role = '', rest = ''] = key.split(': ');
      const anyResource = `${role.startsWith('api ') ? 'api' : role}: ${rest.split(' on ')[0]}`;
      return key in grantsWithoutACallHere || anyResource in grantsWithoutACallHere;
    };
    const called = [
      ...new Set(
        calls.flatMap((role) =>
          role.requests.map((request) => keyForm(`${role.name}: ${request.action} on ${request.resource}`)),
        ),
      ),
    ].sort();
    const worker = byRole.get(principalKeys.worker);
    const queueCall = worker?.requests.find((request) => request.action.startsWith('sqs:'));
    const plainHttpAnswer =
      worker === undefined || queueCall === undefined
        ? undefined
        : {
            call: `${queueCall.operation} on ${queueCall.resource}`,
            allowed:
              evaluateCalls(policies, [{ ...worker, requests: [queueCall] }], {
                aws: { SecureTransport: 'false' },
              }).denied.length === 0,
          };
    return {
      ...evaluation,
      requestsRecorded: requests.length,
      unreadable,
      unexplainedGrants: unusedGrants(policies, calls).filter((grant) => !explained(grant)),
      called,
      plainHttpAnswer,
    };
  } finally {
    synth.cleanup();
  }
}

/** One line for the test's output: calls evaluated per role. */
export function describeIamContract(contract: FleetIamContract): string {
  const perRole = Object.entries(contract.evaluated)
    .map(([role, count]) => `${role} ${count}`)
    .join(', ');
  return (
    `IAM: ${contract.requestsRecorded} requests recorded (${contract.unreadable} unreadable); calls evaluated: ` +
    `${perRole}; denied ${contract.denied.length}; granted and unused ${contract.unexplainedGrants.length}`
  );
}

/**
 * A whole-fleet file's IAM test: every call of its run allowed by the stack, and the calls that only its
 * scenario makes (`mustCall`: a key of grantsWithoutACallHere, or a pattern) among them.
 */
export function describeIamContractOf(
  fleet: () => Fleet,
  scenario: string,
  mustCall: ReadonlyArray<string | RegExp> = [],
): void {
  describe('IAM', () => {
    it(`calls only what the stack’s roles allow, ${scenario}`, async () => {
      const contract = await fleetIamContract(fleet());
      console.info(describeIamContract(contract));
      expect(contract.unreadable).toBe(0);
      expect(contract.denied).toEqual([]);
      for (const wanted of mustCall) {
        const made = contract.called.filter((call) =>
          typeof wanted === 'string' ? call === wanted : wanted.test(call),
        );
        expect(made, `a call ${String(wanted)}`).not.toEqual([]);
      }
    }, 60_000);
  });
}
