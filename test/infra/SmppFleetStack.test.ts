/**
 * The stack as `npx cdk synth` makes it from fleet.config.example.json (one sub-account whose password
 * secret the stack creates, one that references an existing secret by name), synthesised once.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiEnv } from '../../core/apiEnv.js';
import { detailTypes, eventSource } from '../../core/events.js';
import { parseFleetConfig } from '../../core/fleetConfig.js';
import { metricNames, metricNamespace } from '../../core/metrics.js';
import { apiRequestModels } from '../../core/openApi.js';
import {
  deadLetterQueueNameFor,
  eventBusNameFor,
  queueNameFor,
  queueSettings,
  recordEventsDeadLetterQueueNameFor,
  recordStreamSettings,
  tableDefinitions,
  tableIds,
  tableName,
  workerEnv,
} from '../../core/tableKeys.js';
import { repoRoot } from '../../infra/paths.js';
import { apiRoutes } from '../../lambdas/routes.js';
import { formatFinding, runCfnLint } from '../../local/cfnLint.js';
import {
  type CfnResource,
  type CfnTemplate,
  findings,
  flatten,
  resourcesOfType,
  type SynthesisedFleet,
  synthFleet,
} from './synthFleet.js';

/** What the workers receive and claim with (fleet config `visibilityTimeoutSeconds`). */
const visibilityTimeoutSeconds = 90;
let synth: SynthesisedFleet;
let template: CfnTemplate;

beforeAll(() => {
  // The example config plus a visibility timeout other than the default, so the queues can show they take it.
  const example = JSON.parse(readFileSync(join(repoRoot, 'fleet.config.example.json'), 'utf8'));
  synth = synthFleet({ fleetConfig: { ...example, visibilityTimeoutSeconds }, bundle: true });
  if (synth.error !== undefined) throw synth.error;
  template = synth.templateJson as CfnTemplate;
  process.stderr.write(`[infra] synth with bundling and cdk-nag: ${synth.durationMs} ms\n`);
});
afterAll(() => synth?.cleanup());

const subAccountIds = ['acme_marketing', 'acme_otp'];

function props(resource: CfnResource | undefined): Record<string, unknown> {
  return resource?.Properties ?? {};
}

function logicalIdOf(type: string, predicate: (properties: Record<string, unknown>) => boolean): string {
  const match = resourcesOfType(template, type).find(([, resource]) => predicate(props(resource)));
  if (match === undefined) throw new Error(`no ${type} matches`);
  return match[0];
}

function queueLogicalId(queueName: string): string {
  return logicalIdOf('AWS::SQS::Queue', (properties) => properties.QueueName === queueName);
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: unknown;
}

/** Every statement of every AWS::IAM::Policy attached to the role with this logical id. */
function statementsOfRole(roleLogicalId: string): Statement[] {
  return resourcesOfType(template, 'AWS::IAM::Policy')
    .filter(([, policy]) =>
      ((props(policy).Roles as { Ref: string }[] | undefined) ?? []).some(
        (role) => role.Ref === roleLogicalId,
      ),
    )
    .flatMap(([, policy]) => (props(policy).PolicyDocument as { Statement: Statement[] }).Statement);
}

const actionsOf = (statement: Statement) => [statement.Action].flat();
const resourcesOf = (statement: Statement) => [statement.Resource].flat().map(flatten);

function workerContainer(): Record<string, unknown> {
  const [, taskDefinition] = resourcesOfType(template, 'AWS::ECS::TaskDefinition')[0] ?? [];
  const containers = props(taskDefinition).ContainerDefinitions as Record<string, unknown>[];
  expect(containers).toHaveLength(1);
  return containers[0] as Record<string, unknown>;
}

function workerEnvironment(): Map<string, unknown> {
  const environment = workerContainer().Environment as { Name: string; Value: unknown }[];
  return new Map(environment.map(({ Name, Value }) => [Name, Value]));
}

function taskRoleLogicalId(): string {
  const [, taskDefinition] = resourcesOfType(template, 'AWS::ECS::TaskDefinition')[0] ?? [];
  return (props(taskDefinition).TaskRoleArn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0] as string;
}

describe('cdk-nag and cfn-lint', () => {
  it('leaves no AwsSolutions finding unacknowledged', () => {
    expect(synth.error).toBeUndefined();
    expect(synth.report).toBeDefined();
    expect(findings(synth.report)).toEqual([]);
  });

  it('passes cfn-lint with no errors', async () => {
    const result = await runCfnLint(synth.templatePath);
    for (const warning of result.warnings) process.stderr.write(`[cfn-lint] ${formatFinding(warning)}\n`);
    expect(result.errors.map(formatFinding)).toEqual([]);
  }, 300_000);
});

describe('send queues', () => {
  it('gives every queue SSE and a policy that denies requests without TLS', () => {
    const queues = resourcesOfType(template, 'AWS::SQS::Queue');
    expect(queues.length).toBeGreaterThan(0);
    const policies = resourcesOfType(template, 'AWS::SQS::QueuePolicy');
    for (const [logicalId, queue] of queues) {
      expect(props(queue).SqsManagedSseEnabled, logicalId).toBe(true);
      const denies = policies
        .filter(([, policy]) =>
          (props(policy).Queues as unknown[]).some((ref) => flatten(ref) === `{Ref:${logicalId}}`),
        )
        .flatMap(([, policy]) => (props(policy).PolicyDocument as { Statement: Statement[] }).Statement)
        .filter(
          (statement) =>
            statement.Effect === 'Deny' &&
            JSON.stringify(statement.Condition) ===
              JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }),
        );
      expect(denies, `${logicalId} enforces TLS`).toHaveLength(1);
    }
  });

  it('gives every queue a dead-letter queue, or makes it one (of a queue or of an event source mapping)', () => {
    const queues = resourcesOfType(template, 'AWS::SQS::Queue');
    const deadLetterTargets = new Set([
      ...queues.flatMap(([, queue]) => {
        const redrive = props(queue).RedrivePolicy as { deadLetterTargetArn: unknown } | undefined;
        return redrive === undefined ? [] : [flatten(redrive.deadLetterTargetArn)];
      }),
      ...resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').flatMap(([, mapping]) => {
        const onFailure = (props(mapping).DestinationConfig as { OnFailure?: { Destination: unknown } })
          ?.OnFailure;
        return onFailure === undefined ? [] : [flatten(onFailure.Destination)];
      }),
    ]);
    for (const [logicalId, queue] of queues) {
      const hasDeadLetterQueue = props(queue).RedrivePolicy !== undefined;
      const isDeadLetterQueue = deadLetterTargets.has(`{${logicalId}.Arn}`);
      expect(hasDeadLetterQueue || isDeadLetterQueue, logicalId).toBe(true);
    }
  });

  it('makes one send queue per sub-account, named by core, with core’s redrive count and the config’s visibility timeout', () => {
    for (const id of subAccountIds) {
      const queue = template.Resources[queueLogicalId(queueNameFor(id))];
      const deadLetterQueueId = queueLogicalId(deadLetterQueueNameFor(id));
      expect(props(queue).RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [deadLetterQueueId, 'Arn'] },
        maxReceiveCount: queueSettings.maxReceiveCount,
      });
      expect(props(queue).VisibilityTimeout).toBe(visibilityTimeoutSeconds);
      expect(props(queue).ReceiveMessageWaitTimeSeconds).toBe(queueSettings.receiveWaitTimeSeconds);
      expect(props(template.Resources[deadLetterQueueId]).MessageRetentionPeriod).toBe(
        queueSettings.deadLetterRetentionSeconds,
      );
    }
  });
});

describe('SMPP password secrets', () => {
  it('creates an empty secret (no generated value) for a sub-account without a secretId', () => {
    synth.template?.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'smpp-fleet/smpp-password/acme_marketing',
      GenerateSecretString: Match.absent(),
      SecretString: Match.absent(),
    });
    expect(resourcesOfType(template, 'AWS::SecretsManager::Secret')).toHaveLength(1);
  });
});

describe('worker task role', () => {
  it('consumes only the send queues (not the DLQs, not other queues), sending only to put back a message that waited', () => {
    const statements = statementsOfRole(taskRoleLogicalId());
    const sqs = statements.filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('sqs:')),
    );
    const sendQueueArns = subAccountIds.map((id) => `{${queueLogicalId(queueNameFor(id))}.Arn}`);
    expect(sqs.flatMap(resourcesOf).sort()).toEqual(sendQueueArns.sort());
    const actions = new Set(sqs.flatMap(actionsOf));
    expect(actions).toContain('sqs:ReceiveMessage');
    expect(actions).toContain('sqs:DeleteMessage');
    expect(actions).toContain('sqs:ChangeMessageVisibility');
    expect(actions).toContain('sqs:SendMessage');
    expect([...actions].filter((action) => action.includes('*'))).toEqual([]);
  });

  it('reads only its sub-accounts’ secrets: the one it created and the one the config names', () => {
    const statements = statementsOfRole(taskRoleLogicalId());
    const secrets = statements.filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('secretsmanager:')),
    );
    // GetSecretValue only: what the worker calls (the IAM contract in the whole-fleet tests checks it).
    expect(new Set(secrets.flatMap(actionsOf))).toEqual(new Set(['secretsmanager:GetSecretValue']));
    const createdSecretId = logicalIdOf(
      'AWS::SecretsManager::Secret',
      (properties) => properties.Name === 'smpp-fleet/smpp-password/acme_marketing',
    );
    expect(secrets.flatMap(resourcesOf).sort()).toEqual(
      [
        `{Ref:${createdSecretId}}`,
        'arn:{Ref:AWS::Partition}:secretsmanager:{Ref:AWS::Region}:{Ref:AWS::AccountId}:secret:acme/smpp/acme_otp-??????',
      ].sort(),
    );
  });

  it('has no statement on every resource and no wildcard action', () => {
    for (const statement of statementsOfRole(taskRoleLogicalId())) {
      expect(resourcesOf(statement)).not.toContain('*');
      expect(actionsOf(statement).filter((action) => action.endsWith(':*') || action === '*')).toEqual([]);
    }
  });

  it('writes to its tables (never the API’s idempotency keys) and publishes no event itself', () => {
    const statements = statementsOfRole(taskRoleLogicalId());
    const dynamodb = statements.filter((statement) => actionsOf(statement).includes('dynamodb:UpdateItem'));
    // Nor the velocity counters: the example config has no velocityLimits (test/infra/velocityLimits.test.ts).
    const tableArns = tableIds
      .filter((id) => id !== 'idempotency' && id !== 'velocity')
      .map(
        (id) =>
          `{${logicalIdOf('AWS::DynamoDB::Table', (properties) => properties.TableName === tableName(id))}.Arn}`,
      );
    expect(dynamodb.flatMap(resourcesOf).sort()).toEqual(tableArns.sort());
    // The messages table's stream announces what the worker writes (the records-stream consumer's role).
    expect(statements.flatMap(actionsOf).filter((action) => action.startsWith('events:'))).toEqual([]);
  });

  it('is the only role that may read a password secret', () => {
    const taskRole = taskRoleLogicalId();
    for (const [roleId] of resourcesOfType(template, 'AWS::IAM::Role')) {
      if (roleId === taskRole) continue;
      const secretActions = statementsOfRole(roleId)
        .flatMap(actionsOf)
        .filter((action) => action.startsWith('secretsmanager:'));
      expect(secretActions, roleId).toEqual([]);
    }
  });
});

describe('worker service', () => {
  it('gives the worker only env names from core’s workerEnv, and every one it needs', () => {
    const names = [...workerEnvironment().keys()];
    const known = new Set<string>(Object.values(workerEnv));
    expect(names.filter((name) => !known.has(name))).toEqual([]);
    expect(names.sort()).toEqual(
      [
        workerEnv.fleetConfig,
        workerEnv.messagesTable,
        workerEnv.correlationTable,
        workerEnv.idempotencyTable,
        workerEnv.leasesTable,
        workerEnv.velocityTable,
        workerEnv.sendQueueUrls,
        workerEnv.logLevel,
        workerEnv.healthPort,
        workerEnv.maskPhoneNumbers,
        workerEnv.awsRegion,
      ].sort(),
    );
    // Per-task (from ECS metadata) and local-only, respectively.
    expect(names).not.toContain(workerEnv.workerId);
    expect(names).not.toContain(workerEnv.awsEndpointUrl);
  });

  it('gives the worker a FLEET_CONFIG that parses, with every password read from Secrets Manager', () => {
    const text = flatten(workerEnvironment().get(workerEnv.fleetConfig));
    const config = parseFleetConfig(JSON.parse(text));
    expect(config.subAccounts.map((account) => account.id)).toEqual(subAccountIds);
    // The workers receive and claim with the visibility timeout the queues were made with.
    expect(config.visibilityTimeoutSeconds).toBe(visibilityTimeoutSeconds);
    for (const account of config.subAccounts) expect(account.password).toHaveProperty('secretId');
    expect(text).not.toMatch(/"env"/);
  });

  it('gives the worker every sub-account’s queue URL and the table names', () => {
    const urls = JSON.parse(flatten(workerEnvironment().get(workerEnv.sendQueueUrls))) as Record<
      string,
      string
    >;
    expect(urls).toEqual(
      Object.fromEntries(subAccountIds.map((id) => [id, `{Ref:${queueLogicalId(queueNameFor(id))}}`])),
    );
    const messagesTable = logicalIdOf('AWS::DynamoDB::Table', (p) => p.TableName === tableName('messages'));
    expect(workerEnvironment().get(workerEnv.messagesTable)).toEqual({ Ref: messagesTable });
  });

  it('stops with 120 s for the drain and checks health on the worker’s own endpoint', () => {
    const container = workerContainer();
    expect(container.StopTimeout).toBe(120);
    const healthCheck = container.HealthCheck as { Command: string[] };
    expect(healthCheck.Command.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
    expect(healthCheck.Command[3]).toContain(`process.env.${workerEnv.healthPort}`);
    expect(healthCheck.Command[3]).toContain('/health');
    expect(workerEnvironment().get(workerEnv.healthPort)).toBe('8080');
    expect(container.ReadonlyRootFilesystem).toBe(true);
  });

  it('keeps capacity through deployments, rolls back failed ones, runs two tasks in private subnets', () => {
    synth.template?.hasResourceProperties('AWS::ECS::Service', {
      DesiredCount: 2,
      LaunchType: 'FARGATE',
      DeploymentConfiguration: {
        MinimumHealthyPercent: 100,
        MaximumPercent: 200,
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      },
      NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'DISABLED' } },
    });
    synth.template?.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
  });

  it('builds the arm64 image from the Dockerfile with only what the worker needs in the build context', () => {
    const manifest = JSON.parse(readFileSync(join(synth.outdir, 'SmppFleet.assets.json'), 'utf8')) as {
      dockerImages: Record<string, { source: { directory: string; dockerFile: string; platform: string } }>;
    };
    const images = Object.values(manifest.dockerImages);
    expect(images).toHaveLength(1);
    const [image] = images;
    expect(image?.source).toMatchObject({ dockerFile: 'Dockerfile', platform: 'linux/arm64' });
    expect(readdirSync(join(synth.outdir, image?.source.directory ?? '')).sort()).toEqual(
      [
        '.dockerignore',
        'Dockerfile',
        'core',
        'package-lock.json',
        'package.json',
        'tsconfig.json',
        'worker',
      ].sort(),
    );
    synth.template?.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
    });
  });

  it('logs to CloudWatch Logs with a retention', () => {
    const logConfiguration = workerContainer().LogConfiguration as {
      LogDriver: string;
      Options: Record<string, unknown>;
    };
    expect(logConfiguration.LogDriver).toBe('awslogs');
    const logGroupId = (logConfiguration.Options['awslogs-group'] as { Ref: string }).Ref;
    expect(props(template.Resources[logGroupId]).RetentionInDays).toBe(30);
  });
});

describe('network', () => {
  it('sends the workers out through NAT gateways on stack-owned, retained Elastic IPs, and outputs them', () => {
    const eips = resourcesOfType(template, 'AWS::EC2::EIP');
    expect(eips).toHaveLength(2);
    for (const [, eip] of eips) expect(eip.DeletionPolicy).toBe('Retain');
    const natAllocations = resourcesOfType(template, 'AWS::EC2::NatGateway').map(([, nat]) =>
      flatten(props(nat).AllocationId),
    );
    expect(natAllocations.sort()).toEqual(eips.map(([id]) => `{${id}.AllocationId}`).sort());
    const outputs = template.Outputs ?? {};
    expect(flatten(outputs.NatEgressIps?.Value)).toBe(eips.map(([id]) => `{${id}.PublicIp}`).join(','));
    expect(flatten(outputs.NatEgressIp1?.Value)).toBe(`{${eips[0]?.[0]}.PublicIp}`);
    expect(flatten(outputs.NatEgressIp2?.Value)).toBe(`{${eips[1]?.[0]}.PublicIp}`);
  });

  it('lets the workers out only to the SMPP port and HTTPS, and in not at all', () => {
    const [, group] = resourcesOfType(template, 'AWS::EC2::SecurityGroup')[0] ?? [];
    const egress = props(group).SecurityGroupEgress as {
      IpProtocol: string;
      FromPort: number;
      ToPort: number;
    }[];
    expect(
      egress.map(({ IpProtocol, FromPort, ToPort }) => `${IpProtocol}/${FromPort}-${ToPort}`).sort(),
    ).toEqual(['tcp/2776-2776', 'tcp/443-443']);
    expect(props(group).SecurityGroupIngress).toBeUndefined();
    expect(resourcesOfType(template, 'AWS::EC2::SecurityGroupIngress')).toEqual([]);
  });

  it('reaches DynamoDB through a gateway endpoint and logs VPC flows', () => {
    const endpoints = resourcesOfType(template, 'AWS::EC2::VPCEndpoint').map(([, endpoint]) =>
      flatten(props(endpoint).ServiceName),
    );
    expect(endpoints.some((name) => name.endsWith('.dynamodb'))).toBe(true);
    expect(resourcesOfType(template, 'AWS::EC2::FlowLog')).toHaveLength(1);
  });
});

describe('tables', () => {
  it('builds every table from core’s definitions: keys, on-demand, PITR and TTL where core says', () => {
    for (const id of tableIds) {
      const definition = tableDefinitions[id];
      const logicalId = logicalIdOf('AWS::DynamoDB::Table', (p) => p.TableName === tableName(id));
      const table = props(template.Resources[logicalId]);
      expect(table.BillingMode, id).toBe('PAY_PER_REQUEST');
      expect(table.KeySchema, id).toEqual([
        { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: definition.sortKey.name, KeyType: 'RANGE' },
      ]);
      expect(table.PointInTimeRecoverySpecification, id).toEqual({
        PointInTimeRecoveryEnabled: definition.pointInTimeRecovery,
      });
      const ttl = 'timeToLiveAttribute' in definition ? definition.timeToLiveAttribute : undefined;
      expect(table.TimeToLiveSpecification, id).toEqual(
        ttl === undefined ? undefined : { AttributeName: ttl, Enabled: true },
      );
    }
  });

  it('gives the messages table a change stream with both images, as core defines it, and no other table one', () => {
    for (const id of tableIds) {
      const definition = tableDefinitions[id];
      const logicalId = logicalIdOf('AWS::DynamoDB::Table', (p) => p.TableName === tableName(id));
      const stream = 'stream' in definition ? definition.stream : undefined;
      expect(props(template.Resources[logicalId]).StreamSpecification, id).toEqual(
        stream === undefined ? undefined : { StreamViewType: stream },
      );
    }
    expect(tableDefinitions.messages.stream).toBe('NEW_AND_OLD_IMAGES');
  });

  it('retains and deletion-protects the data tables; the leases table has no TTL', () => {
    for (const id of ['messages', 'correlation', 'idempotency'] as const) {
      const logicalId = logicalIdOf('AWS::DynamoDB::Table', (p) => p.TableName === tableName(id));
      expect(template.Resources[logicalId]?.DeletionPolicy, id).toBe('Retain');
      expect(props(template.Resources[logicalId]).DeletionProtectionEnabled, id).toBe(true);
    }
    const leases = logicalIdOf('AWS::DynamoDB::Table', (p) => p.TableName === tableName('leases'));
    expect(props(template.Resources[leases]).TimeToLiveSpecification).toBeUndefined();
  });
});

describe('events', () => {
  it('archives everything the fleet publishes on its bus, and outputs the bus name', () => {
    const busId = logicalIdOf('AWS::Events::EventBus', (p) => p.Name === eventBusNameFor());
    synth.template?.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: { 'Fn::GetAtt': [busId, 'Arn'] },
      EventPattern: { source: [eventSource] },
      RetentionDays: 90,
    });
    expect(template.Outputs?.EventBusName?.Value).toEqual({ Ref: busId });
  });

  it('wires the example rule: failed messages to an SQS queue, undeliverable events to its DLQ', () => {
    const failedQueue = queueLogicalId('smpp-fleet-example-failed-messages');
    const deadLetters = queueLogicalId('smpp-fleet-example-failed-messages-dlq');
    synth.template?.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: [eventSource], 'detail-type': [detailTypes.failed] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [failedQueue, 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [deadLetters, 'Arn'] } },
        }),
      ],
    });
  });
});

describe('records stream', () => {
  const messagesTableId = () =>
    logicalIdOf('AWS::DynamoDB::Table', (p) => p.TableName === tableName('messages'));
  const consumerId = () =>
    logicalIdOf('AWS::Lambda::Function', (p) =>
      String(p.Description).startsWith('smpp-fleet records stream'),
    );
  const deadLettersId = () => queueLogicalId(recordEventsDeadLetterQueueNameFor());

  it('reads the messages table’s stream into the consumer: batches of 100 from the oldest record, bisecting, partial failures, bounded retries, failures to its own DLQ', () => {
    const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(1);
    expect(props(mappings[0]?.[1])).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [messagesTableId(), 'StreamArn'] },
      FunctionName: { Ref: consumerId() },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: recordStreamSettings.retryAttempts,
      MaximumRecordAgeInSeconds: 24 * 3_600,
      ParallelizationFactor: recordStreamSettings.parallelizationFactor,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [deadLettersId(), 'Arn'] } } },
    });
    // Retries are bounded: a record that keeps failing ends in the DLQ instead of blocking its shard for a day.
    expect(recordStreamSettings.retryAttempts).toBeGreaterThan(0);
    expect(recordStreamSettings.retryAttempts).toBeLessThanOrEqual(100);
  });

  it('keeps failure records 14 days in a queue named by core, and outputs its URL', () => {
    expect(props(template.Resources[deadLettersId()]).MessageRetentionPeriod).toBe(
      queueSettings.deadLetterRetentionSeconds,
    );
    expect(template.Outputs?.RecordEventsDeadLetterQueueUrl?.Value).toEqual({ Ref: deadLettersId() });
  });

  it('runs the consumer on Node 24, arm64, with a 60 s timeout and only the bus name and log settings', () => {
    const fn = props(template.Resources[consumerId()]);
    expect(fn).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Timeout: 60 });
    const busId = logicalIdOf('AWS::Events::EventBus', (p) => p.Name === eventBusNameFor());
    expect((fn.Environment as { Variables: Record<string, unknown> }).Variables).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      [apiEnv.eventBusName]: { Ref: busId },
      [workerEnv.logLevel]: 'INFO',
      [workerEnv.maskPhoneNumbers]: 'true',
    });
  });

  it('lets the consumer put events on the bus, read the messages stream and write its DLQ, and nothing on any table’s items', () => {
    const roleId = (props(template.Resources[consumerId()]).Role as { 'Fn::GetAtt': string[] })[
      'Fn::GetAtt'
    ][0];
    const grants = statementsOfRole(roleId as string).flatMap((statement) =>
      actionsOf(statement).flatMap((action) =>
        resourcesOf(statement).map((resource) => `${action} ${resource}`),
      ),
    );
    const busId = logicalIdOf('AWS::Events::EventBus', (p) => p.Name === eventBusNameFor());
    const logGroup = (props(template.Resources[consumerId()]).LoggingConfig as { LogGroup: { Ref: string } })
      .LogGroup.Ref;
    expect(grants.sort()).toEqual(
      [
        `events:PutEvents {${busId}.Arn}`,
        `dynamodb:DescribeStream {${messagesTableId()}.StreamArn}`,
        `dynamodb:GetRecords {${messagesTableId()}.StreamArn}`,
        `dynamodb:GetShardIterator {${messagesTableId()}.StreamArn}`,
        // No resource-level permissions for it (acknowledged for cdk-nag in RecordEvents.ts).
        'dynamodb:ListStreams *',
        `sqs:SendMessage {${deadLettersId()}.Arn}`,
        `logs:CreateLogStream {${logGroup}.Arn}`,
        `logs:PutLogEvents {${logGroup}.Arn}`,
      ].sort(),
    );
  });
});

describe('API', () => {
  it('authorizes every method with IAM', () => {
    const methods = resourcesOfType(template, 'AWS::ApiGateway::Method');
    expect(methods).toHaveLength(apiRoutes.length);
    for (const [id, method] of methods) expect(props(method).AuthorizationType, id).toBe('AWS_IAM');
  });

  it('gives callers a policy that invokes exactly the send API’s routes and the suppression list’s (not the status page), a path parameter matching any id', () => {
    const [, policy] =
      resourcesOfType(template, 'AWS::IAM::ManagedPolicy').find(([, candidate]) =>
        String(props(candidate).Description).includes('call the smpp-fleet send API'),
      ) ?? [];
    const [statement] = (props(policy).PolicyDocument as { Statement: Statement[] }).Statement;
    expect(statement?.Action).toBe('execute-api:Invoke');
    const restApi = logicalIdOf('AWS::ApiGateway::RestApi', () => true);
    const routes = resourcesOf(statement as Statement).map((arn) => arn.split(`{Ref:${restApi}}`)[1]);
    expect(routes.sort()).toEqual(
      [
        '/v1/POST/messages',
        '/v1/POST/messages/batch',
        '/v1/GET/messages/*',
        '/v1/GET/openapi.json',
        '/v1/GET/suppressions/*',
        '/v1/PUT/suppressions/*',
        '/v1/DELETE/suppressions/*',
      ].sort(),
    );
  });

  it('validates request bodies against core’s models and requires path parameters', () => {
    synth.template?.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      ValidateRequestBody: true,
      ValidateRequestParameters: true,
    });
    const models = Object.fromEntries(
      resourcesOfType(template, 'AWS::ApiGateway::Model').map(([id, model]) => [
        props(model).Name,
        { id, model },
      ]),
    );
    expect(props(models.SendRequest?.model).Schema).toEqual(apiRequestModels().sendRequest);
    expect(props(models.BatchRequest?.model).Schema).toEqual(apiRequestModels().batchRequest);
    const methods = resourcesOfType(template, 'AWS::ApiGateway::Method').map(([, method]) => props(method));
    const byOperation = Object.fromEntries(methods.map((method) => [method.OperationName, method]));
    expect(byOperation.postMessage?.RequestModels).toEqual({
      'application/json': { Ref: models.SendRequest?.id },
    });
    expect(byOperation.postMessageBatch?.RequestModels).toEqual({
      'application/json': { Ref: models.BatchRequest?.id },
    });
    expect(byOperation.getMessage?.RequestParameters).toEqual({ 'method.request.path.id': true });
    for (const method of methods) expect(method.RequestValidatorId).toBeDefined();
  });

  it('answers in JSON with a code whatever API Gateway rejects by itself', () => {
    const responses = Object.fromEntries(
      resourcesOfType(template, 'AWS::ApiGateway::GatewayResponse').map(([, response]) => [
        props(response).ResponseType,
        props(response),
      ]),
    );
    for (const type of [
      'BAD_REQUEST_BODY',
      'BAD_REQUEST_PARAMETERS',
      'MISSING_AUTHENTICATION_TOKEN',
      'DEFAULT_4XX',
      'DEFAULT_5XX',
    ]) {
      const template = (responses[type]?.ResponseTemplates as Record<string, string> | undefined)?.[
        'application/json'
      ];
      expect(template, type).toMatch(/"code":"[a-z_]+"/);
      // Placeholders aside, the template is JSON: messageString is quoted by API Gateway, the others are not.
      const filled = (template ?? '')
        .replaceAll('$context.error.messageString', '"message"')
        .replaceAll(/\$context\.[\w.]+/g, 'value');
      expect(() => JSON.parse(filled), type).not.toThrow();
    }
    expect(responses.BAD_REQUEST_BODY?.ResponseTemplates).toMatchObject({
      'application/json': expect.stringContaining('$context.error.validationErrorString'),
    });
  });

  it('logs access and execution (without bodies), throttles, and outputs the URL', () => {
    synth.template?.hasResourceProperties('AWS::ApiGateway::Stage', {
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
      MethodSettings: [
        Match.objectLike({
          LoggingLevel: 'INFO',
          DataTraceEnabled: false,
          MetricsEnabled: true,
          ThrottlingRateLimit: 100,
          ThrottlingBurstLimit: 200,
        }),
      ],
    });
    expect(flatten(template.Outputs?.ApiUrl?.Value)).toMatch(/^https:\/\/.*execute-api/);
  });

  it('runs each handler on Node 24, arm64, with its own log group and only the env names it reads', () => {
    const known = new Set<string>(Object.values(apiEnv));
    const functions = resourcesOfType(template, 'AWS::Lambda::Function').filter(([, fn]) =>
      String(props(fn).Description).startsWith('smpp-fleet API:'),
    );
    expect(functions).toHaveLength(apiRoutes.length);
    for (const [id, fn] of functions) {
      expect(props(fn).Runtime, id).toBe('nodejs24.x');
      expect(props(fn).Architectures, id).toEqual(['arm64']);
      expect(props(fn).LoggingConfig, id).toMatchObject({ LogGroup: { Ref: expect.any(String) } });
      const env = Object.keys((props(fn).Environment as { Variables: Record<string, unknown> }).Variables);
      const route = apiRoutes.find(
        (candidate) => props(fn).Description === `smpp-fleet API: ${candidate.method} ${candidate.path}`,
      );
      expect(route, id).toBeDefined();
      const ours = env.filter((name) => name !== 'NODE_OPTIONS');
      expect(
        ours.filter((name) => !known.has(name)),
        id,
      ).toEqual([]);
      expect(
        ours.filter((name) => !((route?.env ?? []) as readonly string[]).includes(name)),
        id,
      ).toEqual([]);
    }
  });
});

describe('alarms', () => {
  function alarmsOn(metricName: string, namespace?: string): Record<string, unknown>[] {
    return resourcesOfType(template, 'AWS::CloudWatch::Alarm')
      .map(([, alarm]) => props(alarm))
      .filter(
        (alarm) =>
          alarm.MetricName === metricName && (namespace === undefined || alarm.Namespace === namespace),
      );
  }
  const subAccountDimension = (id: string) => [{ Name: 'SubAccount', Value: id }];

  it('alarms on every dead-letter queue holding a message', () => {
    const alarms = alarmsOn('ApproximateNumberOfMessagesVisible', 'AWS/SQS');
    const watched = alarms.map((alarm) => flatten((alarm.Dimensions as { Value: unknown }[])[0]?.Value));
    for (const id of subAccountIds) {
      expect(watched).toContain(`{${queueLogicalId(deadLetterQueueNameFor(id))}.QueueName}`);
    }
    expect(watched).toContain(`{${queueLogicalId('smpp-fleet-example-failed-messages-dlq')}.QueueName}`);
    expect(watched).toContain(`{${queueLogicalId(recordEventsDeadLetterQueueNameFor())}.QueueName}`);
    for (const alarm of alarms) {
      expect(alarm).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    }
  });

  it('alarms on the age of the oldest message of every send queue', () => {
    const alarms = alarmsOn('ApproximateAgeOfOldestMessage', 'AWS/SQS');
    expect(
      alarms.map((alarm) => flatten((alarm.Dimensions as { Value: unknown }[])[0]?.Value)).sort(),
    ).toEqual(subAccountIds.map((id) => `{${queueLogicalId(queueNameFor(id))}.QueueName}`).sort());
  });

  it('alarms when a sub-account holds fewer binds than its bindCap, treating silence as none', () => {
    const alarms = alarmsOn(metricNames.bindsHeld, metricNamespace);
    expect(alarms).toHaveLength(2);
    for (const [id, bindCap] of [
      ['acme_marketing', 4],
      ['acme_otp', 2],
    ] as const) {
      expect(alarms).toContainEqual(
        expect.objectContaining({
          Dimensions: subAccountDimension(id),
          Threshold: bindCap,
          ComparisonOperator: 'LessThanThreshold',
          TreatMissingData: 'breaching',
        }),
      );
    }
  });

  it('alarms on throttle responses, receipt lag and worker errors', () => {
    for (const metricName of [metricNames.throttled, metricNames.receiptLag]) {
      const alarms = alarmsOn(metricName, metricNamespace);
      expect(alarms.map((alarm) => alarm.Dimensions)).toEqual(subAccountIds.map(subAccountDimension));
    }
    expect(alarmsOn(metricNames.receiptLag, metricNamespace)[0]).toMatchObject({
      ExtendedStatistic: 'p90',
      Threshold: 600_000,
    });
    expect(alarmsOn(metricNames.workerErrors, metricNamespace)).toHaveLength(1);
  });

  it('alarms when the records stream’s consumer falls a minute behind for 5 minutes, or fails invocations', () => {
    const consumer = logicalIdOf('AWS::Lambda::Function', (p) =>
      String(p.Description).startsWith('smpp-fleet records stream'),
    );
    const onConsumer = (metricName: string) =>
      alarmsOn(metricName, 'AWS/Lambda').filter(
        (alarm) => flatten((alarm.Dimensions as { Value: unknown }[])[0]?.Value) === `{Ref:${consumer}}`,
      );
    expect(onConsumer('IteratorAge')).toEqual([
      expect.objectContaining({
        AlarmName: 'smpp-fleet-record-events-iterator-age',
        Statistic: 'Maximum',
        Period: 60,
        Threshold: 60_000,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 5,
        TreatMissingData: 'notBreaching',
      }),
    ]);
    expect(onConsumer('Errors')).toEqual([
      expect.objectContaining({
        AlarmName: 'smpp-fleet-record-events-errors',
        Statistic: 'Sum',
        Threshold: 5,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      }),
    ]);
  });

  it('notifies the alarm topic from every alarm', () => {
    const topic = logicalIdOf('AWS::SNS::Topic', () => true);
    for (const [id, alarm] of resourcesOfType(template, 'AWS::CloudWatch::Alarm')) {
      expect(props(alarm).AlarmActions, id).toEqual([{ Ref: topic }]);
    }
  });
});
