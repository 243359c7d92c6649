/**
 * The stack over resources the operator already has: password secrets referenced by complete and partial
 * ARN, Elastic IPs 8x8 already whitelisted, and a sub-account on plain SMPP (port 2775).
 */
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CfnTemplate,
  flatten,
  resourcesOfType,
  type SynthesisedFleet,
  synthFleet,
} from './synthFleet.js';

const completeArn = 'arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:smpp/otp-AbC123';
const partialArn = 'arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:smpp/bulk';

describe('secrets by ARN, plain SMPP and the operator’s own Elastic IPs', () => {
  let synth: SynthesisedFleet;
  beforeAll(() => {
    synth = synthFleet({
      fleetConfig: {
        subAccounts: [
          { id: 'otp', password: { secretId: completeArn } },
          { id: 'bulk', region: 'uk', tls: false, bindCap: 3, password: { secretId: partialArn } },
        ],
      },
      context: { natEipAllocationIds: 'eipalloc-0aaa1111,eipalloc-0bbb2222' },
    });
  });
  afterAll(() => synth.cleanup());

  it('creates no secret and lets the task role read exactly the referenced ones', () => {
    expect(synth.error).toBeUndefined();
    const template = synth.templateJson as CfnTemplate;
    expect(resourcesOfType(template, 'AWS::SecretsManager::Secret')).toEqual([]);
    synth.template?.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'secretsmanager:GetSecretValue',
            // A partial ARN (no 6-character suffix) matches the secret's versions of the name only.
            Resource: [`${partialArn}-??????`, completeArn],
          }),
        ]),
      },
    });
  });

  it('uses the given allocation ids for the NAT gateways and outputs them', () => {
    const template = synth.templateJson as CfnTemplate;
    expect(resourcesOfType(template, 'AWS::EC2::EIP')).toEqual([]);
    const allocations = resourcesOfType(template, 'AWS::EC2::NatGateway').map(
      ([, nat]) => nat.Properties?.AllocationId,
    );
    expect(allocations.sort()).toEqual(['eipalloc-0aaa1111', 'eipalloc-0bbb2222']);
    expect(template.Outputs?.NatEipAllocationIds?.Value).toBe('eipalloc-0aaa1111,eipalloc-0bbb2222');
    expect(template.Outputs?.NatEgressIps).toBeUndefined();
  });

  it('opens egress to every SMPP port the config uses', () => {
    const template = synth.templateJson as CfnTemplate;
    const [, group] = resourcesOfType(template, 'AWS::EC2::SecurityGroup')[0] ?? [];
    const ports = ((group?.Properties?.SecurityGroupEgress ?? []) as { FromPort: number }[]).map(
      (rule) => rule.FromPort,
    );
    expect(ports.sort()).toEqual([2775, 2776, 443].sort());
  });

  it('hands the worker the secret ids as the config gave them', () => {
    const template = synth.templateJson as CfnTemplate;
    const [, taskDefinition] = resourcesOfType(template, 'AWS::ECS::TaskDefinition')[0] ?? [];
    const [container] = (taskDefinition?.Properties?.ContainerDefinitions ?? []) as {
      Environment: { Name: string; Value: unknown }[];
    }[];
    const fleetConfig = container?.Environment.find(({ Name }) => Name === 'FLEET_CONFIG');
    const passwords = (
      JSON.parse(flatten(fleetConfig?.Value)) as { subAccounts: { password: unknown }[] }
    ).subAccounts.map((account) => account.password);
    expect(passwords).toEqual([{ secretId: completeArn }, { secretId: partialArn }]);
  });
});
