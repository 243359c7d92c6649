/**
 * The fleet's custom EventBridge bus (submitted / delivered / failed / unmatched receipt / inbound), an
 * archive of everything the fleet publishes so receipts can be replayed, and one example subscriber that
 * documents how others attach: a rule matching `SMS Failed` events, delivering to an SQS queue.
 *
 * Replayed events carry the same `eventId` in their detail as the originals (core/events.ts), so a
 * subscriber that drops duplicates by it handles a replay safely.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { detailTypes, eventSource } from '../../core/events.js';
import { eventBusNameFor, queueSettings } from '../../core/tableKeys.js';

export interface EventsBusProps {
  readonly resourcePrefix: string;
  /** @default 90 days */
  readonly archiveRetention?: Duration;
}

export class EventsBus extends Construct {
  public readonly bus: events.EventBus;
  public readonly archive: events.Archive;
  /** The example subscriber: every `SMS Failed` event lands here. */
  public readonly failedMessagesQueue: sqs.Queue;
  /**
   * Messages the example subscriber could not take: EventBridge deliveries that failed after retries, and
   * messages received from the subscriber queue too often.
   */
  public readonly failedMessagesDeadLetterQueue: sqs.Queue;
  public readonly failedMessagesRule: events.Rule;

  constructor(scope: Construct, id: string, props: EventsBusProps) {
    super(scope, id);
    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: eventBusNameFor(props.resourcePrefix),
      description: 'smpp-fleet message events: submitted, delivered, failed, unmatched receipt, inbound',
    });
    this.archive = this.bus.archive('Archive', {
      description:
        'Every event the fleet published, for replay (subscribers drop duplicates by detail.eventId)',
      eventPattern: { source: [eventSource] },
      retention: props.archiveRetention ?? Duration.days(90),
    });

    this.failedMessagesDeadLetterQueue = new sqs.Queue(this, 'FailedMessagesDeadLetters', {
      queueName: `${props.resourcePrefix}-example-failed-messages-dlq`,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.seconds(queueSettings.deadLetterRetentionSeconds),
    });
    this.failedMessagesQueue = new sqs.Queue(this, 'FailedMessages', {
      queueName: `${props.resourcePrefix}-example-failed-messages`,
      // SQS-managed keys: EventBridge cannot write to a queue encrypted with the AWS-managed aws/sqs KMS key.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      deadLetterQueue: {
        queue: this.failedMessagesDeadLetterQueue,
        maxReceiveCount: queueSettings.maxReceiveCount,
      },
    });
    this.failedMessagesRule = new events.Rule(this, 'FailedMessagesRule', {
      eventBus: this.bus,
      description: 'Example subscriber: messages that reached a final state other than delivered',
      eventPattern: { source: [eventSource], detailType: [detailTypes.failed] },
      targets: [
        new targets.SqsQueue(this.failedMessagesQueue, {
          deadLetterQueue: this.failedMessagesDeadLetterQueue,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });
  }

  grantPutEvents(grantee: iam.IGrantable): void {
    this.bus.grantPutEventsTo(grantee);
  }
}
