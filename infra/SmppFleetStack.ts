/**
 * The whole fleet in one stack. It only composes the constructs in infra/constructs (one per concern) and
 * names the outputs an operator needs: the NAT IPs to whitelist at 8x8, the API URL, the bus, the queues
 * and the secrets to fill.
 */
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { CpuArchitecture } from 'aws-cdk-lib/aws-ecs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { Api } from './constructs/Api.js';
import { EventsBus } from './constructs/EventsBus.js';
import { Monitoring } from './constructs/Monitoring.js';
import { Network } from './constructs/Network.js';
import { Reconciler } from './constructs/Reconciler.js';
import { RecordEvents } from './constructs/RecordEvents.js';
import { SendQueues } from './constructs/SendQueues.js';
import { SmppPasswords } from './constructs/SmppPasswords.js';
import { Tables } from './constructs/Tables.js';
import { WorkerService } from './constructs/WorkerService.js';
import type { DeploymentOptions } from './deploymentOptions.js';
import type { LoadedFleetConfig } from './loadFleetConfig.js';
import { withPasswordSources } from './withPasswordSources.js';

export interface SmppFleetStackProps extends StackProps {
  readonly fleetConfig: LoadedFleetConfig;
  readonly options: DeploymentOptions;
}

export class SmppFleetStack extends Stack {
  public readonly passwords: SmppPasswords;
  public readonly sendQueues: SendQueues;
  public readonly tables: Tables;
  public readonly eventsBus: EventsBus;
  public readonly network: Network;
  public readonly workers: WorkerService;
  public readonly api: Api;
  public readonly recordEvents: RecordEvents;
  public readonly reconciler: Reconciler;
  public readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: SmppFleetStackProps) {
    super(scope, id, props);
    const { config, input } = props.fleetConfig;
    const { options } = props;
    const prefix = options.resourcePrefix;
    const logRetention = options.logRetentionDays as logs.RetentionDays;

    this.passwords = new SmppPasswords(this, 'SmppPasswords', {
      subAccounts: config.subAccounts,
      resourcePrefix: prefix,
    });
    this.sendQueues = new SendQueues(this, 'SendQueues', {
      subAccounts: config.subAccounts,
      visibilityTimeout: Duration.seconds(config.visibilityTimeoutSeconds),
      resourcePrefix: prefix,
    });
    this.tables = new Tables(this, 'Tables', { resourcePrefix: prefix });
    this.eventsBus = new EventsBus(this, 'Events', {
      resourcePrefix: prefix,
      archiveRetention: Duration.days(options.eventArchiveRetentionDays),
    });
    this.network = new Network(this, 'Network', {
      smppPorts: config.subAccounts.map((account) => account.port),
      maxAzs: options.maxAzs,
      natEipAllocationIds: options.natEipAllocationIds,
      logRetention,
    });
    this.workers = new WorkerService(this, 'Workers', {
      vpc: this.network.vpc,
      securityGroup: this.network.workerSecurityGroup,
      sendQueues: this.sendQueues,
      tables: this.tables,
      passwords: this.passwords,
      fleetConfigJson: this.toJsonString(
        withPasswordSources(input, (subAccountId) => this.passwords.passwordSourceFor(subAccountId)),
      ),
      velocityLimits: config.subAccounts.some((account) => account.velocityLimits !== undefined),
      desiredCount: options.workerCount,
      cpu: options.workerCpu,
      memoryLimitMiB: options.workerMemoryMiB,
      cpuArchitecture:
        options.workerArchitecture === 'arm64' ? CpuArchitecture.ARM64 : CpuArchitecture.X86_64,
      healthPort: options.workerHealthPort,
      logLevel: options.logLevel,
      maskPhoneNumbers: options.maskPhoneNumbers,
      logRetention,
    });
    this.api = new Api(this, 'Api', {
      tables: this.tables,
      sendQueues: this.sendQueues,
      // The handlers never read passwords: they get the config as written, which is shorter (Lambda's
      // environment is limited to 4 KB) and holds no deploy-time tokens.
      fleetConfigJson: JSON.stringify(input),
      velocityLimits: config.subAccounts.some((account) => account.velocityLimits !== undefined),
      authorization: options.apiAuthorization,
      throttleRatePerSecond: options.apiThrottleRatePerSecond,
      throttleBurst: options.apiThrottleBurst,
      apiKeyQuotaPerDay: options.apiKeyQuotaPerDay,
      ...(options.apiPublicBaseUrl === undefined ? {} : { publicBaseUrl: options.apiPublicBaseUrl }),
      logLevel: options.logLevel,
      maskPhoneNumbers: options.maskPhoneNumbers,
      logRetention,
    });
    this.recordEvents = new RecordEvents(this, 'RecordEvents', {
      resourcePrefix: prefix,
      tables: this.tables,
      eventsBus: this.eventsBus,
      logLevel: options.logLevel,
      maskPhoneNumbers: options.maskPhoneNumbers,
      logRetention,
    });
    this.reconciler = new Reconciler(this, 'Reconciler', {
      tables: this.tables,
      logLevel: options.logLevel,
      maskPhoneNumbers: options.maskPhoneNumbers,
      logRetention,
    });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      resourcePrefix: prefix,
      subAccounts: config.subAccounts,
      sendQueues: this.sendQueues,
      otherDeadLetterQueues: { 'example-subscriber': this.eventsBus.failedMessagesDeadLetterQueue },
      workerService: this.workers.service,
      workerCluster: this.workers.cluster,
      desiredWorkerCount: options.workerCount,
      restApi: this.api.restApi,
      recordEvents: {
        consumer: this.recordEvents.consumer,
        deadLetterQueue: this.recordEvents.deadLetterQueue,
      },
      reconciler: this.reconciler.function,
      oldestMessageAlarmSeconds: options.oldestMessageAlarmSeconds,
      receiptLagAlarmSeconds: options.receiptLagAlarmSeconds,
      workerErrorsAlarmThreshold: options.workerErrorsAlarmThreshold,
      ...(options.alarmEmail === undefined ? {} : { alarmEmail: options.alarmEmail }),
    });

    this.addOutputs(props);
  }

  private addOutputs({ fleetConfig }: SmppFleetStackProps): void {
    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });

    if (this.network.natPublicIps.length > 0) {
      output(
        'NatEgressIps',
        this.network.natPublicIps.join(','),
        'Source IPs to give 8x8 for whitelisting: every SMPP bind leaves through one of them',
      );
      for (const [index, ip] of this.network.natPublicIps.entries()) {
        output(`NatEgressIp${index + 1}`, ip, `Elastic IP of NAT gateway ${index + 1} (whitelist it at 8x8)`);
      }
    } else {
      output(
        'NatEipAllocationIds',
        this.network.natEipAllocationIds.join(','),
        'Your Elastic IPs the workers leave through: their addresses must be whitelisted at 8x8',
      );
    }
    output('ApiUrl', this.api.restApi.url, 'Base URL of the send API (POST messages, GET messages/{id})');
    if (this.api.callerPolicy !== undefined) {
      output(
        'ApiCallerPolicyArn',
        this.api.callerPolicy.managedPolicyArn,
        'Attach to the IAM roles/users that may call the API (requests are SigV4-signed)',
      );
    }
    if (this.api.statusReaderPolicy !== undefined) {
      output(
        'StatusReaderPolicyArn',
        this.api.statusReaderPolicy.managedPolicyArn,
        'Attach to operators who may open the status page (GET status) and nothing else',
      );
    }
    output(
      'StatusPageUrl',
      `${this.api.restApi.url}status`,
      'The live status page: open it through `npm run status-proxy -- --url <ApiUrl> --sigv4` (README)',
    );
    if (this.api.apiKey !== undefined) {
      output('ApiKeyId', this.api.apiKey.keyId, 'aws apigateway get-api-key --include-value --api-key <id>');
    }
    output(
      'EventBusName',
      this.eventsBus.bus.eventBusName,
      'Subscribe to fleet events with rules on this bus',
    );
    output('EventBusArn', this.eventsBus.bus.eventBusArn, 'The fleet event bus');
    output('EventArchiveName', this.eventsBus.archive.archiveName, 'Replay fleet events from this archive');
    output(
      'RecordEventsDeadLetterQueueUrl',
      this.recordEvents.deadLetterQueue.queueUrl,
      'Batches of the messages table’s stream whose events could not be published (docs/deploy.md)',
    );
    output(
      'ExampleFailedMessagesQueueUrl',
      this.eventsBus.failedMessagesQueue.queueUrl,
      'The example subscriber: every SMS Failed event lands here',
    );

    const usedIds = new Set<string>();
    const outputId = (base: string, subAccountId: string) => {
      let id = `${base}${subAccountId.replace(/[^A-Za-z0-9]/g, '')}`;
      for (let n = 2; usedIds.has(id); n += 1) id = `${base}${subAccountId.replace(/[^A-Za-z0-9]/g, '')}${n}`;
      usedIds.add(id);
      return id;
    };
    for (const account of fleetConfig.config.subAccounts) {
      const queues = this.sendQueues.bySubAccount.get(account.id);
      const password = this.passwords.bySubAccount.get(account.id);
      if (queues === undefined || password === undefined) continue;
      output(
        outputId('SendQueueUrl', account.id),
        queues.queue.queueUrl,
        `Send queue of sub-account ${account.id}`,
      );
      output(
        outputId('SmppPasswordSecret', account.id),
        password.secretId,
        password.created
          ? `EMPTY secret for ${account.id}'s SMPP password: put it with aws secretsmanager put-secret-value`
          : `Secret ${account.id}'s SMPP password is read from (yours; not managed by this stack)`,
      );
    }
    output('WorkerLogGroup', this.workers.logGroup.logGroupName, 'Worker logs (JSON lines and EMF metrics)');
    output('WorkerClusterName', this.workers.cluster.clusterName, 'ECS cluster of the workers');
    output('WorkerServiceName', this.workers.service.serviceName, 'ECS service of the workers');
    output('AlarmTopicArn', this.monitoring.alarmTopic.topicArn, 'Subscribe to receive alarm notifications');
    output('DashboardName', this.monitoring.dashboard.dashboardName, 'CloudWatch dashboard of the fleet');
  }
}
