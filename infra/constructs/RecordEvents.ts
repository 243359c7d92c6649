/**
 * The records-stream consumer: the messages table's change stream → a Lambda function
 * (lambdas/publishRecordEvents.ts) → the fleet's events on the bus. The record write is the commit; this
 * function is what publishes its events (DESIGN.md, "Events follow the records").
 *
 * - The event source mapping reads as core's `recordStreamSettings` say (the local runner reads the same):
 *   batches of 100 from the oldest record, bisect on error, partial batch responses, bounded retries.
 * - A batch Lambda gives up on is recorded in an SQS dead-letter queue (which shard, which sequence
 *   numbers; the records themselves stay in the table); Monitoring alarms on it. What an operator does with
 *   it: docs/deploy.md.
 * - The role may put events on the fleet's bus, read this one stream (as the event source grants it) and
 *   send to this one queue; nothing on any table's items.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { apiEnv } from '../../core/apiEnv.js';
import {
  queueSettings,
  recordEventsDeadLetterQueueNameFor,
  recordStreamSettings,
  workerEnv,
} from '../../core/tableKeys.js';
import type { EventsBus } from './EventsBus.js';
import { FleetFunction } from './FleetFunction.js';
import type { Tables } from './Tables.js';

export interface RecordEventsProps {
  readonly resourcePrefix: string;
  /** The messages table (`byId.messages`) must have its stream (core/tableKeys.ts). */
  readonly tables: Tables;
  readonly eventsBus: EventsBus;
  /** LOG_LEVEL. @default INFO */
  readonly logLevel?: string;
  /** MASK_PHONE_NUMBERS. @default true */
  readonly maskPhoneNumbers?: boolean;
  /** @default 30 days */
  readonly logRetention?: logs.RetentionDays;
}

/** The consumer's handler file (it exports `handler(DynamoDBStreamEvent): Promise<DynamoDBBatchResponse>`). */
export const recordEventsEntry = 'lambdas/publishRecordEvents.ts';

/**
 * CDK's SqsDlq, granting only what Lambda needs to write a failure record: sqs:SendMessage. (SqsDlq grants
 * `grantSendMessages`, which adds GetQueueAttributes and GetQueueUrl that nothing calls.)
 */
class SendOnlySqsDlq implements lambda.IEventSourceDlq {
  constructor(private readonly queue: sqs.IQueue) {}

  bind(_target: lambda.IEventSourceMapping, targetHandler: lambda.IFunction): lambda.DlqDestinationConfig {
    this.queue.grant(targetHandler, 'sqs:SendMessage');
    return { destination: this.queue.queueArn };
  }
}

export class RecordEvents extends Construct {
  public readonly consumer: FleetFunction;
  /** The event source mapping's on-failure destination. */
  public readonly deadLetterQueue: sqs.Queue;
  public readonly eventSource: DynamoEventSource;

  constructor(scope: Construct, id: string, props: RecordEventsProps) {
    super(scope, id);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      queueName: recordEventsDeadLetterQueueNameFor(props.resourcePrefix),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.seconds(queueSettings.deadLetterRetentionSeconds),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is a dead-letter queue: the on-failure destination of the records-stream event source ' +
        'mapping (DestinationConfig.OnFailure), which SQS3 does not recognise (it looks only for redrive ' +
        'policies and functions’ DeadLetterConfig). It is alarmed on like the other DLQs.',
    });

    this.consumer = new FleetFunction(this, 'Consumer', {
      entry: recordEventsEntry,
      description: "smpp-fleet records stream: the messages table's changes to events on the fleet's bus",
      environment: {
        [apiEnv.eventBusName]: props.eventsBus.bus.eventBusName,
        [workerEnv.logLevel]: props.logLevel ?? 'INFO',
        [workerEnv.maskPhoneNumbers]: String(props.maskPhoneNumbers ?? true),
      },
      ...(props.logRetention === undefined ? {} : { logRetention: props.logRetention }),
      // A batch is at most 100 records, whose events go out in concurrent PutEvents calls of 10, each with
      // the SDK's retries: seconds even on a bad day. A timed-out invocation is retried whole (its events
      // again, under the same ids), and until then it holds back its shard's lane: a minute is room enough
      // without letting a hung call stall the stream for long.
      timeout: Duration.seconds(60),
    });
    props.eventsBus.grantPutEvents(this.consumer);

    this.eventSource = new DynamoEventSource(props.tables.byId.messages, {
      startingPosition: StartingPosition[recordStreamSettings.startingPosition],
      batchSize: recordStreamSettings.batchSize,
      bisectBatchOnError: recordStreamSettings.bisectBatchOnError,
      reportBatchItemFailures: recordStreamSettings.reportBatchItemFailures,
      retryAttempts: recordStreamSettings.retryAttempts,
      maxRecordAge: Duration.seconds(recordStreamSettings.maxRecordAgeSeconds),
      // Why 2 (records of one message stay in order): core/tableKeys.ts recordStreamSettings.
      parallelizationFactor: recordStreamSettings.parallelizationFactor,
      onFailure: new SendOnlySqsDlq(this.deadLetterQueue),
    });
    // Binding grants the stream reads: DescribeStream, GetRecords, GetShardIterator on the stream, and
    // ListStreams on "*".
    this.consumer.addEventSource(this.eventSource);

    const policy = this.consumer.role?.node.tryFindChild('DefaultPolicy');
    if (policy === undefined)
      throw new Error('the records-stream consumer’s role has no policy to acknowledge');
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'dynamodb:ListStreams, which the DynamoDB event source grants for Lambda’s poller, has no ' +
        'resource-level permissions: IAM accepts only "*" for it, and it lists stream ARNs only. Every read of ' +
        'stream data (DescribeStream, GetShardIterator, GetRecords) is limited to the messages table’s stream.',
    });
  }
}
