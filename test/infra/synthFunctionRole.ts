/**
 * One function's role out of a synthesized fleet, ready for the IAM contract (test/support/iamContract.ts):
 * the stack synthesized for a prefix with one sub-account, the function's and its role's logical ids, the
 * role's policies, and its calls signed with the principal key the emulator records them under. The role
 * tests (reconcilerRole, recordEventsRole) call it in beforeAll.
 */
import type { CfnElement } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { SmppFleetStack } from '../../infra/SmppFleetStack.js';
import { emulatorAccountId, emulatorRegion } from '../../local/aws/AwsEmulator.js';
import {
  type ArnContext,
  authorizationRequests,
  type RoleCalls,
  type StackPolicies,
  stackPolicies,
} from '../support/iamContract.js';
import { type CfnTemplate, synthFleet } from './synthFleet.js';

/** The ARNs' region and account: the emulator's, as the recorded calls have them. */
export const roleContext: ArnContext = { region: emulatorRegion, accountId: emulatorAccountId };

export interface FunctionRoleOptions {
  readonly prefix: string;
  /** Names the role in the contract's messages. */
  readonly name: string;
  /** The key its calls are signed with (principalKeys). */
  readonly principalKey: string;
  readonly functionOf: (stack: SmppFleetStack) => IFunction;
}

export interface SynthesisedFunctionRole {
  readonly template: Template;
  readonly templateJson: CfnTemplate;
  readonly policies: StackPolicies;
  readonly roleLogicalId: string;
  readonly functionLogicalId: string;
  /** The calls made (service target and body each), as the emulator would record them from this role. */
  calls(...made: [target: string, body: Record<string, unknown>][]): RoleCalls;
  cleanup(): void;
}

export function synthFunctionRole(options: FunctionRoleOptions): SynthesisedFunctionRole {
  const synth = synthFleet({
    context: { resourcePrefix: options.prefix },
    fleetConfig: { subAccounts: [{ id: 'acme', password: { secretId: 'acme-smpp' } }] },
  });
  const { fleet, template, templateJson } = synth;
  if (
    synth.error !== undefined ||
    fleet === undefined ||
    template === undefined ||
    templateJson === undefined
  ) {
    synth.cleanup();
    throw synth.error ?? new Error('synth gave no template');
  }
  const fn = options.functionOf(fleet.stack);
  if (fn.role === undefined) throw new Error(`the ${options.name} has no role`);
  const roleLogicalId = fleet.stack.getLogicalId(fn.role.node.defaultChild as CfnElement);
  return {
    template,
    templateJson,
    policies: stackPolicies(templateJson, roleContext, [roleLogicalId]),
    roleLogicalId,
    functionLogicalId: fleet.stack.getLogicalId(fn.node.defaultChild as CfnElement),
    calls: (...made) => ({
      name: options.name,
      roleLogicalId,
      requests: made.flatMap(([target, body]) =>
        authorizationRequests(options.principalKey, target, body, roleContext),
      ),
    }),
    cleanup: synth.cleanup,
  };
}
