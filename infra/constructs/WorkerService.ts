/**
 * The SMPP workers: an ECS cluster (Container Insights on) and a Fargate service built from the repository's
 * Dockerfile (`ContainerImage.fromAsset` only stages the directory at synth; Docker is needed at deploy).
 *
 * - Deployments never drop capacity (minHealthyPercent 100): a new task starts, stands by while the old
 *   ones still hold every bind slot, and takes the slots over when an old task stops and releases them.
 *   A deployment whose tasks never become healthy rolls back (circuit breaker).
 * - stopTimeout 120 s (Fargate's maximum): the worker's SIGTERM drain — stop receiving, wait for
 *   outstanding resps, unbind, release leases — has that long before SIGKILL.
 * - Health: the container check asks the worker's own endpoint (200 while bound or standing by, 503
 *   otherwise), so a task that is alive but cannot work is replaced.
 * - Task role: consume its send queues, read/write its tables, put events on its bus, read its sub-accounts'
 *   password secrets — at run time, so a rotated password is picked up without a redeploy.
 */
import { Aws, Duration, RemovalPolicy, Size, Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type WorkerEnvName, workerEnv } from '../../core/tableKeys.js';
import { repoRoot } from '../paths.js';
import type { SendQueues } from './SendQueues.js';
import type { SmppPasswords } from './SmppPasswords.js';
import type { Tables } from './Tables.js';

export interface WorkerServiceProps {
  readonly vpc: ec2.IVpc;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly sendQueues: SendQueues;
  readonly tables: Tables;
  readonly passwords: SmppPasswords;
  /** FLEET_CONFIG: the fleet config as JSON text, password sources pointing at Secrets Manager. */
  readonly fleetConfigJson: string;
  /** Some sub-account has velocityLimits: the task may count on the velocity table. @default false */
  readonly velocityLimits?: boolean;
  /** @default 2 — one task can die (or be replaced in a deployment) while the other keeps binds */
  readonly desiredCount?: number;
  /** @default 1024 */
  readonly cpu?: number;
  /** @default 2048 */
  readonly memoryLimitMiB?: number;
  /** @default ARM64 */
  readonly cpuArchitecture?: ecs.CpuArchitecture;
  /** HEALTH_PORT. @default 8080 */
  readonly healthPort?: number;
  /** LOG_LEVEL. @default INFO */
  readonly logLevel?: string;
  /** MASK_PHONE_NUMBERS. @default true */
  readonly maskPhoneNumbers?: boolean;
  /** @default 30 days */
  readonly logRetention?: logs.RetentionDays;
}

/** Fargate's longest stop timeout; the worker's SIGTERM drain is designed to fit in it. */
export const workerStopTimeout = Duration.seconds(120);

/** The container health check: exit 0 only when the worker's endpoint answers 200. */
export function healthCheckScript(): string {
  return (
    `fetch('http://127.0.0.1:'+process.env.${workerEnv.healthPort}+'/health',{signal:AbortSignal.timeout(4000)})` +
    '.then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))'
  );
}

export class WorkerService extends Construct {
  public readonly cluster: ecs.Cluster;
  public readonly service: ecs.FargateService;
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  public readonly container: ecs.ContainerDefinition;
  public readonly logGroup: logs.LogGroup;
  /** Exactly what the container is given (names from core's workerEnv). */
  public readonly environment: Readonly<Partial<Record<WorkerEnvName, string>>>;

  constructor(scope: Construct, id: string, props: WorkerServiceProps) {
    super(scope, id);
    const cpuArchitecture = props.cpuArchitecture ?? ecs.CpuArchitecture.ARM64;

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: props.cpu ?? 1024,
      memoryLimitMiB: props.memoryLimitMiB ?? 2048,
      runtimePlatform: { cpuArchitecture, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // WORKER_ID is left unset on purpose: a task definition cannot hold a per-task value, so the worker
    // names itself from the ECS task metadata (ECS_CONTAINER_METADATA_URI_V4). AWS_ENDPOINT_URL is for
    // the local emulator only.
    const environment: Partial<Record<WorkerEnvName, string>> = {
      [workerEnv.fleetConfig]: props.fleetConfigJson,
      [workerEnv.messagesTable]: props.tables.byId.messages.tableName,
      [workerEnv.correlationTable]: props.tables.byId.correlation.tableName,
      [workerEnv.idempotencyTable]: props.tables.byId.idempotency.tableName,
      [workerEnv.leasesTable]: props.tables.byId.leases.tableName,
      [workerEnv.velocityTable]: props.tables.byId.velocity.tableName,
      [workerEnv.sendQueueUrls]: props.sendQueues.queueUrlsJson,
      [workerEnv.logLevel]: props.logLevel ?? 'INFO',
      [workerEnv.healthPort]: String(props.healthPort ?? 8080),
      [workerEnv.maskPhoneNumbers]: String(props.maskPhoneNumbers ?? true),
      [workerEnv.awsRegion]: Aws.REGION,
    };
    this.environment = environment;

    this.container = this.taskDefinition.addContainer('worker', {
      image: ecs.ContainerImage.fromAsset(repoRoot, {
        file: 'Dockerfile',
        platform: cpuArchitecture === ecs.CpuArchitecture.ARM64 ? Platform.LINUX_ARM64 : Platform.LINUX_AMD64,
      }),
      essential: true,
      environment: environment as Record<string, string>,
      stopTimeout: workerStopTimeout,
      readonlyRootFilesystem: true,
      // tini as PID 1: SIGTERM reaches node, and nothing is left a zombie.
      linuxParameters: new ecs.LinuxParameters(this, 'LinuxParameters', { initProcessEnabled: true }),
      healthCheck: {
        command: ['CMD', 'node', '-e', healthCheckScript()],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        // Reading config and secrets and reaching DynamoDB; binding is not needed to be healthy.
        startPeriod: Duration.seconds(60),
      },
      logging: ecs.LogDrivers.awsLogs({
        streamPrefix: 'worker',
        logGroup: this.logGroup,
        // A slow CloudWatch Logs must not block stdout writes and stall the event loop that keeps binds alive.
        mode: ecs.AwsLogDriverMode.NON_BLOCKING,
        maxBufferSize: Size.mebibytes(25),
      }),
    });

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: props.desiredCount ?? 2,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      securityGroups: [props.securityGroup],
      vpcSubnets: { subnets: props.vpc.privateSubnets },
      assignPublicIp: false,
      platformVersion: ecs.FargatePlatformVersion.LATEST,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
      enableECSManagedTags: true,
    });

    const taskRole = this.taskDefinition.taskRole;
    props.sendQueues.grantConsume(taskRole);
    props.tables.grantWorker(taskRole, { velocityLimits: props.velocityLimits ?? false });
    props.passwords.grantRead(taskRole);

    const executionRole = this.taskDefinition.executionRole;
    if (executionRole !== undefined) {
      Validations.of(executionRole).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ecr:GetAuthorizationToken, which ECS needs to pull the worker image, has no resource-level ' +
          'permissions: IAM accepts only "*" for it. The image pull itself is limited to the asset repository.',
      });
    }
    Validations.of(this.taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason:
        'The environment holds only resource names, queue URLs, the fleet config (whose password fields are ' +
        'Secrets Manager ids, never passwords) and log settings. The SMPP passwords are read at run time by ' +
        'the task role so a rotated password needs no new task.',
    });
  }
}
