/**
 * The stack under the other deployment choices (API keys, secrets by ARN, the operator's own Elastic IPs,
 * plain SMPP), what a bad config or option does to synth, and proof that cdk-nag actually runs.
 */
import type { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFleetApp } from '../../infra/createFleetApp.js';
import { DeploymentOptionsError, FleetConfigFileError, StackLimitError } from '../../infra/errors.js';
import { repoRoot } from '../../infra/paths.js';
import {
  type CfnTemplate,
  findings,
  flatten,
  resourcesOfType,
  type SynthesisedFleet,
  synthFleet,
} from './synthFleet.js';

const completeArn = 'arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:smpp/otp-AbC123';
const partialArn = 'arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:smpp/bulk';

describe('api-key mode', () => {
  let synth: SynthesisedFleet;
  beforeAll(() => {
    synth = synthFleet({ context: { apiAuthorization: 'api-key', apiKeyQuotaPerDay: 5000 } });
  });
  afterAll(() => synth.cleanup());

  it('requires an API key on every method, tied to a throttled usage plan with a quota', () => {
    expect(synth.error).toBeUndefined();
    const template = synth.templateJson as CfnTemplate;
    const methods = resourcesOfType(template, 'AWS::ApiGateway::Method');
    expect(methods.length).toBeGreaterThan(0);
    for (const [id, method] of methods) {
      expect(method.Properties?.ApiKeyRequired, id).toBe(true);
    }
    synth.template?.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 100, BurstLimit: 200 },
      Quota: { Limit: 5000, Period: 'DAY' },
    });
    synth.template?.resourceCountIs('AWS::ApiGateway::UsagePlanKey', 1);
    expect(template.Outputs?.ApiKeyId).toBeDefined();
  });

  it('still leaves no cdk-nag finding unacknowledged', () => {
    expect(findings(synth.report)).toEqual([]);
  });
});

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
            Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
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

describe('cdk-nag', () => {
  it('fails synth on an unacknowledged finding (it runs on this app)', () => {
    const synth = synthFleet({
      beforeSynth: ({ stack }) => {
        new sqs.Queue(stack as Stack, 'CarelessQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED });
      },
    });
    try {
      expect(synth.error?.message).toMatch(/AwsSolutions-SQS4/);
      expect(findings(synth.report)).toContain('AwsSolutions-SQS4 at SmppFleet/CarelessQueue/Resource');
    } finally {
      synth.cleanup();
    }
  });
});

describe('bad input stops synth with the reason', () => {
  const context = (extra: Record<string, unknown>) => ({ cwd: repoRoot, env: {}, context: extra });

  it('names the bad field of the fleet config (core’s zod schema)', () => {
    const synth = synthFleet({
      fleetConfig: { subAccounts: [{ id: 'acme', bindCap: 5, password: { env: 'SMPP_PASSWORD' } }] },
    });
    try {
      expect(synth.error).toBeInstanceOf(FleetConfigFileError);
      expect(synth.error?.message).toMatch(/subAccounts\[0\]\.bindCap: .*at most 4/);
    } finally {
      synth.cleanup();
    }
  });

  it('refuses a literal password and a local-only CA file', () => {
    for (const [account, expected] of [
      [{ id: 'acme', password: 'hunter2' }, /subAccounts\[0\]\.password: a literal password is not accepted/],
      [
        { id: 'acme', caCertificatePem: 'local/ca.pem', password: { env: 'X' } },
        /subAccounts\[0\]\.caCertificatePem: is for local TLS tests only/,
      ],
    ] as const) {
      const synth = synthFleet({ fleetConfig: { subAccounts: [account] } });
      try {
        expect(synth.error?.message).toMatch(expected);
      } finally {
        synth.cleanup();
      }
    }
  });

  it('names a missing config file and a bad deployment option', () => {
    expect(() => createFleetApp(context({ fleetConfig: 'no-such-fleet.json' }))).toThrow(
      /cannot read the fleet config .*no-such-fleet\.json/,
    );
    expect(() => createFleetApp(context({ workerCount: '0' }))).toThrow(DeploymentOptionsError);
    expect(() => createFleetApp(context({ workerCount: '0' }))).toThrow(/workerCount/);
    expect(() => createFleetApp(context({ natEipAllocationIds: 'eipalloc-0abc' }))).toThrow(
      /one per availability zone \(2\)/,
    );
  });

  it('stops a config whose handler environment would pass Lambda’s 4 KB limit', () => {
    // 25 sub-accounts stay well under CloudFormation's 500 resources (about 10 each) but not under 4 KB.
    const subAccounts = Array.from({ length: 25 }, (_, index) => ({
      id: `sub_account_${index}`,
      password: { env: `SMPP_PASSWORD_${index}` },
    }));
    const synth = synthFleet({ fleetConfig: { subAccounts } });
    try {
      expect(synth.error).toBeInstanceOf(StackLimitError);
      expect(synth.error?.message).toMatch(/postMessage function's environment would be about \d+ bytes/);
    } finally {
      synth.cleanup();
    }
  });

  it('reads the config path from SMPP_FLEET_CONFIG when the context does not give one', () => {
    expect(() => createFleetApp({ cwd: repoRoot, env: { SMPP_FLEET_CONFIG: 'from-env.json' } })).toThrow(
      /from-env\.json/,
    );
  });
});
