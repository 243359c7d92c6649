/**
 * Alarms and a dashboard for the fleet. Alarms notify an SNS topic (optionally an email subscription).
 * The conditions, per sub-account unless said otherwise (what each means and what to do: docs/deploy.md):
 *
 * | alarm                 | metric                                          | fires when                                   |
 * | --------------------- | ----------------------------------------------- | -------------------------------------------- |
 * | dead letters          | DLQ ApproximateNumberOfMessagesVisible (Max)    | > 0 (also the example subscriber's DLQ)      |
 * | oldest message        | send queue ApproximateAgeOfOldestMessage (Max)  | > oldestMessageAlarmSeconds for 5 minutes    |
 * | binds below cap       | SmppFleet BindsHeld (Sum per minute)            | < bindCap for 5 minutes (no data = 0 binds)  |
 * | throttled             | SmppFleet ThrottledResponses (Sum per 5 min)    | ≥ 10 in two 5-minute periods in a row        |
 * | receipt lag           | SmppFleet ReceiptLag (p90 per 15 min)           | > receiptLagAlarmSeconds twice in a row      |
 * | worker errors (fleet) | SmppFleet WorkerErrors (Sum per 5 min)          | ≥ workerErrorsAlarmThreshold                 |
 * | workers running       | ECS/ContainerInsights RunningTaskCount (Min)    | < desired count for 10 minutes               |
 * | API 5xx (fleet)       | AWS/ApiGateway 5XXError (Sum per 5 min)         | ≥ 5                                          |
 * | record events DLQ     | its ApproximateNumberOfMessagesVisible (Max)    | > 0                                          |
 * | record events behind  | consumer's AWS/Lambda IteratorAge (Max per min) | > recordEventsIteratorAgeAlarmSeconds, 5 min |
 * | record events errors  | consumer's AWS/Lambda Errors (Sum per 5 min)    | ≥ 5                                          |
 * | reconciler errors     | reconciler's AWS/Lambda Errors (Sum per 30 min) | ≥ 1 in two 30-minute periods in a row        |
 */
import { Duration, Validations } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { SubAccountConfig } from '../../core/fleetConfig.js';
import { metricDimensions, metricNames, metricNamespace, receiptOutcomes } from '../../core/metrics.js';
import type { SendQueues } from './SendQueues.js';

export interface MonitoringProps {
  readonly resourcePrefix: string;
  readonly subAccounts: readonly Pick<SubAccountConfig, 'id' | 'bindCap'>[];
  readonly sendQueues: SendQueues;
  /** Other dead-letter queues to alarm on (e.g. the example subscriber's), by a short label. */
  readonly otherDeadLetterQueues?: Readonly<Record<string, sqs.IQueue>>;
  readonly workerService: ecs.FargateService;
  readonly workerCluster: ecs.ICluster;
  readonly desiredWorkerCount: number;
  readonly restApi: apigateway.RestApi;
  /** The records-stream consumer (infra/constructs/RecordEvents.ts) and its on-failure dead-letter queue. */
  readonly recordEvents: { readonly consumer: lambda.IFunction; readonly deadLetterQueue: sqs.IQueue };
  /** The reconciler's scheduled function (infra/constructs/Reconciler.ts). */
  readonly reconciler: lambda.IFunction;
  /**
   * How far behind the messages table's stream the consumer may fall (the age of the last record it read)
   * for 5 minutes before the alarm: events reach subscribers that much later than the writes. @default 60
   */
  readonly recordEventsIteratorAgeAlarmSeconds?: number;
  /** @default 300 */
  readonly oldestMessageAlarmSeconds?: number;
  /** @default 600 */
  readonly receiptLagAlarmSeconds?: number;
  /** @default 5 */
  readonly workerErrorsAlarmThreshold?: number;
  /** Subscribe this address to the alarm topic. @default no subscription */
  readonly alarmEmail?: string;
}

/** Alarm kinds, as the last part of every alarm name (`<prefix>-<sub-account>-<kind>`). */
export const alarmKinds = {
  deadLetters: 'dead-letters',
  oldestMessage: 'oldest-message-age',
  bindsBelowCap: 'binds-below-cap',
  throttled: 'throttled',
  receiptLag: 'receipt-lag',
  workerErrors: 'worker-errors',
  workersRunning: 'workers-running',
  apiServerErrors: 'server-errors',
  iteratorAge: 'iterator-age',
  functionErrors: 'errors',
} as const;

/** The middle part of the records-stream consumer's alarm names (`<prefix>-record-events-<kind>`). */
export const recordEventsAlarmLabel = 'record-events';
/** The middle part of the reconciler's alarm names (`<prefix>-reconciler-<kind>`). */
export const reconcilerAlarmLabel = 'reconciler';

export class Monitoring extends Construct {
  public readonly alarmTopic: sns.Topic;
  public readonly dashboard: cloudwatch.Dashboard;
  /** Every alarm, by name. */
  public readonly alarms: ReadonlyMap<string, cloudwatch.Alarm>;

  private readonly alarmMap = new Map<string, cloudwatch.Alarm>();
  private readonly action: cloudwatchActions.SnsAction;
  private readonly prefix: string;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.prefix = props.resourcePrefix;
    this.alarms = this.alarmMap;

    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'smpp-fleet alarms',
      enforceSSL: true,
    });
    Validations.of(this.alarmTopic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed aws/sns key, and the ' +
        'notifications carry only alarm names, states and metric values (no message content or phone ' +
        'numbers); a customer-managed key would add cost and a key policy for no data worth protecting.',
    });
    if (props.alarmEmail !== undefined) {
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }
    this.action = new cloudwatchActions.SnsAction(this.alarmTopic);

    const oneMinute = Duration.minutes(1);
    const fiveMinutes = Duration.minutes(5);
    const subAccountRows: cloudwatch.IWidget[][] = [];

    for (const account of props.subAccounts) {
      const sendQueue = props.sendQueues.bySubAccount.get(account.id);
      if (sendQueue === undefined) throw new Error(`no send queue for sub-account ${account.id}`);
      const dimensionsMap = { [metricDimensions.subAccount]: account.id };
      const fleetMetric = (metricName: string, statistic: string, period: Duration) =>
        new cloudwatch.Metric({ namespace: metricNamespace, metricName, dimensionsMap, statistic, period });

      this.addDeadLettersAlarm(
        account.id,
        sendQueue.deadLetterQueue,
        `Messages for ${account.id} reached the dead-letter queue after repeated failures (maxReceiveCount).`,
      );
      this.addAlarm(`${account.id}-${alarmKinds.oldestMessage}`, {
        alarmDescription: `The oldest message waiting for ${account.id} is older than ${props.oldestMessageAlarmSeconds ?? 300} s: sending is stalled or slower than demand.`,
        metric: sendQueue.queue.metricApproximateAgeOfOldestMessage({
          period: oneMinute,
          statistic: 'Maximum',
        }),
        threshold: props.oldestMessageAlarmSeconds ?? 300,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 5,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      const bindsHeld = fleetMetric(metricNames.bindsHeld, 'Sum', oneMinute);
      this.addAlarm(`${account.id}-${alarmKinds.bindsBelowCap}`, {
        alarmDescription: `The fleet holds fewer than ${account.bindCap} binds (bindCap) for ${account.id}.`,
        metric: bindsHeld,
        threshold: account.bindCap,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 5,
        // No worker reporting is no binds held.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
      const throttled = fleetMetric(metricNames.throttled, 'Sum', fiveMinutes);
      this.addAlarm(`${account.id}-${alarmKinds.throttled}`, {
        alarmDescription: `8x8 answered ESME_RTHROTTLED for ${account.id} repeatedly: the configured submitsPerSecond is above what 8x8 allows.`,
        metric: throttled,
        threshold: 10,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      const receiptLag = fleetMetric(metricNames.receiptLag, 'p90', Duration.minutes(15));
      this.addAlarm(`${account.id}-${alarmKinds.receiptLag}`, {
        alarmDescription: `Delivery receipts for ${account.id} arrive late: p90 from submit to receipt above ${props.receiptLagAlarmSeconds ?? 600} s.`,
        metric: receiptLag,
        threshold: (props.receiptLagAlarmSeconds ?? 600) * 1_000,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });

      const submits = fleetMetric(metricNames.submitsAccepted, 'Sum', oneMinute);
      subAccountRows.push([
        new cloudwatch.TextWidget({
          markdown: `### ${account.id}\nbindCap ${account.bindCap}`,
          width: 3,
          height: 6,
        }),
        new cloudwatch.GraphWidget({
          title: `${account.id}: binds held`,
          left: [bindsHeld.with({ label: 'binds' })],
          leftAnnotations: [{ value: account.bindCap, label: 'bindCap' }],
          leftYAxis: { min: 0 },
          width: 4,
        }),
        new cloudwatch.GraphWidget({
          title: `${account.id}: submits/s and throttles`,
          left: [
            new cloudwatch.MathExpression({
              expression: 'submits / PERIOD(submits)',
              usingMetrics: { submits },
              label: 'submit_sm accepted per second',
              period: oneMinute,
            }),
          ],
          right: [throttled.with({ period: oneMinute, label: 'ESME_RTHROTTLED' })],
          leftYAxis: { min: 0 },
          width: 4,
        }),
        new cloudwatch.GraphWidget({
          title: `${account.id}: queue depth`,
          left: [
            sendQueue.queue.metricApproximateNumberOfMessagesVisible({ period: oneMinute, label: 'waiting' }),
            sendQueue.queue.metricApproximateNumberOfMessagesNotVisible({
              period: oneMinute,
              label: 'in flight',
            }),
          ],
          right: [
            sendQueue.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
              period: oneMinute,
              label: 'dead letters',
            }),
          ],
          leftYAxis: { min: 0 },
          width: 5,
        }),
        new cloudwatch.GraphWidget({
          title: `${account.id}: receipt outcomes`,
          stacked: true,
          left: receiptOutcomes.map(
            (outcome) =>
              new cloudwatch.Metric({
                namespace: metricNamespace,
                metricName: metricNames.receipts,
                dimensionsMap: { ...dimensionsMap, [metricDimensions.outcome]: outcome },
                statistic: 'Sum',
                period: fiveMinutes,
                label: outcome,
              }),
          ),
          width: 4,
        }),
        new cloudwatch.GraphWidget({
          title: `${account.id}: receipt lag (ms)`,
          left: [receiptLag.with({ statistic: 'p50', label: 'p50' }), receiptLag.with({ label: 'p90' })],
          leftYAxis: { min: 0 },
          width: 4,
        }),
      ]);
    }

    for (const [label, queue] of Object.entries(props.otherDeadLetterQueues ?? {})) {
      this.addDeadLettersAlarm(label, queue, `Messages reached the ${label} dead-letter queue.`);
    }

    const workerErrors = new cloudwatch.Metric({
      namespace: metricNamespace,
      metricName: metricNames.workerErrors,
      statistic: 'Sum',
      period: fiveMinutes,
    });
    this.addAlarm(`fleet-${alarmKinds.workerErrors}`, {
      alarmDescription: 'Workers logged errors: read the worker log group for the error lines.',
      metric: workerErrors,
      threshold: props.workerErrorsAlarmThreshold ?? 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const runningTasks = new cloudwatch.Metric({
      namespace: 'ECS/ContainerInsights',
      metricName: 'RunningTaskCount',
      dimensionsMap: {
        ClusterName: props.workerCluster.clusterName,
        ServiceName: props.workerService.serviceName,
      },
      statistic: 'Minimum',
      period: oneMinute,
    });
    this.addAlarm(`fleet-${alarmKinds.workersRunning}`, {
      alarmDescription: `Fewer than ${props.desiredWorkerCount} worker tasks running: failover capacity is gone.`,
      metric: runningTasks,
      threshold: props.desiredWorkerCount,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 10,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    const apiServerErrors = props.restApi.metricServerError({ period: fiveMinutes, statistic: 'Sum' });
    this.addAlarm(`api-${alarmKinds.apiServerErrors}`, {
      alarmDescription: 'The send API answered 5xx: callers are retrying or failing.',
      metric: apiServerErrors,
      threshold: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const recordEventsIteratorAge = props.recordEvents.consumer.metric('IteratorAge', {
      period: oneMinute,
      statistic: 'Maximum',
    });
    const recordEventsErrors = props.recordEvents.consumer.metricErrors({
      period: fiveMinutes,
      statistic: 'Sum',
    });
    this.addDeadLettersAlarm(
      recordEventsAlarmLabel,
      props.recordEvents.deadLetterQueue,
      'The records stream’s consumer gave up on a batch: events of the records it names were not ' +
        'published (the records themselves are intact in the messages table). docs/deploy.md says what to do.',
    );
    const iteratorAgeSeconds = props.recordEventsIteratorAgeAlarmSeconds ?? 60;
    this.addAlarm(`${recordEventsAlarmLabel}-${alarmKinds.iteratorAge}`, {
      alarmDescription: `The records stream’s consumer is more than ${iteratorAgeSeconds} s behind the messages table: events reach the bus late (failing batches being retried, or EventBridge slow or throttling).`,
      metric: recordEventsIteratorAge,
      threshold: iteratorAgeSeconds * 1_000,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      // No invocations, no data: nothing was written, so nothing is behind.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.addFunctionErrorsAlarm(recordEventsAlarmLabel, {
      alarmDescription:
        'The records stream’s consumer failed whole invocations (an error or a timeout, not single records ' +
        'it reported): its log group says why. Lambda retries them; the DLQ alarm fires if it gives up.',
      metric: recordEventsErrors,
      threshold: 5,
      evaluationPeriods: 1,
    });
    // Runs resume from their watermark (lambdas/reconcileRecords.ts), so a failed run is made up by the next:
    // the alarm waits for an hour of failing runs (two each half hour); what they missed waits, it is not lost.
    // No invocations, no data: a schedule that stopped is not this alarm's to see.
    const reconcilerErrors = props.reconciler.metricErrors({
      period: Duration.minutes(30),
      statistic: 'Sum',
    });
    this.addFunctionErrorsAlarm(reconcilerAlarmLabel, {
      alarmDescription:
        'The reconciler failed its runs for an hour (an error or a timeout): records stuck in accepted or ' +
        'submitting are not being settled. Its log group says why; runs resume from where they got to.',
      metric: reconcilerErrors,
      threshold: 1,
      evaluationPeriods: 2,
    });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${props.resourcePrefix}-fleet`,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms: [...this.alarmMap.values()],
        width: 8,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Workers running',
        left: [runningTasks.with({ label: 'running tasks' })],
        leftAnnotations: [{ value: props.desiredWorkerCount, label: 'desired' }],
        leftYAxis: { min: 0 },
        width: 5,
      }),
      new cloudwatch.GraphWidget({
        title: 'Worker errors',
        left: [workerErrors.with({ label: 'errors / 5 min' })],
        leftYAxis: { min: 0 },
        width: 5,
      }),
      new cloudwatch.GraphWidget({
        title: 'API',
        left: [
          props.restApi.metricCount({ period: oneMinute, label: 'requests' }),
          props.restApi.metricClientError({ period: oneMinute, label: '4xx' }),
          props.restApi.metricServerError({ period: oneMinute, label: '5xx' }),
        ],
        right: [
          props.restApi.metricLatency({ period: oneMinute, statistic: 'p90', label: 'p90 latency (ms)' }),
        ],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Record events',
        left: [recordEventsIteratorAge.with({ label: 'iterator age, max (ms)' })],
        right: [
          recordEventsErrors.with({ period: oneMinute, label: 'failed invocations' }),
          props.recordEvents.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: oneMinute,
            label: 'batches given up (DLQ)',
          }),
        ],
        leftYAxis: { min: 0 },
        width: 6,
      }),
    );
    for (const row of subAccountRows) this.dashboard.addWidgets(...row);
  }

  /** `<prefix>-<label>-dead-letters`: anything visible in `queue`, sampled each minute. */
  private addDeadLettersAlarm(label: string, queue: sqs.IQueue, alarmDescription: string): void {
    this.addAlarm(`${label}-${alarmKinds.deadLetters}`, {
      alarmDescription,
      metric: queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /** `<prefix>-<label>-errors`: a function's failed invocations reach `threshold`; no invocations, no alarm. */
  private addFunctionErrorsAlarm(
    label: string,
    props: Pick<cloudwatch.AlarmProps, 'alarmDescription' | 'metric' | 'threshold' | 'evaluationPeriods'>,
  ): void {
    this.addAlarm(`${label}-${alarmKinds.functionErrors}`, {
      ...props,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  private addAlarm(name: string, props: Omit<cloudwatch.AlarmProps, 'alarmName'>): cloudwatch.Alarm {
    const alarmName = `${this.prefix}-${name}`;
    const alarm = new cloudwatch.Alarm(this, name, { ...props, alarmName });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarmMap.set(alarmName, alarm);
    return alarm;
  }
}
