/**
 * One standard SQS send queue per sub-account, each with its own dead-letter queue. Both are encrypted
 * (SQS-managed SSE, which EventBridge and any producer can write to without KMS grants) and refuse
 * non-TLS requests. Names come from core so local runs and AWS agree.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { SubAccountConfig } from '../../core/fleetConfig.js';
import { deadLetterQueueNameFor, queueNameFor, queueSettings } from '../../core/tableKeys.js';

export interface SendQueuesProps {
  readonly subAccounts: readonly Pick<SubAccountConfig, 'id'>[];
  readonly resourcePrefix: string;
  /** @default queueSettings.maxReceiveCount (core) */
  readonly maxReceiveCount?: number;
  /**
   * The fleet config's `visibilityTimeoutSeconds`: the workers receive with it, extend a waiting message's
   * visibility by it and claim records for as long (worker/sending/visibilityTimings.ts).
   * @default queueSettings.visibilityTimeoutSeconds (core)
   */
  readonly visibilityTimeout?: Duration;
}

export interface SendQueue {
  readonly subAccountId: string;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
}

export class SendQueues extends Construct {
  /** By sub-account id, in config order. */
  public readonly bySubAccount: ReadonlyMap<string, SendQueue>;

  constructor(scope: Construct, id: string, props: SendQueuesProps) {
    super(scope, id);
    const queues = new Map<string, SendQueue>();
    for (const { id: subAccountId } of props.subAccounts) {
      const deadLetterQueue = new sqs.Queue(this, `${subAccountId}DeadLetters`, {
        queueName: deadLetterQueueNameFor(subAccountId, props.resourcePrefix),
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.seconds(queueSettings.deadLetterRetentionSeconds),
      });
      const queue = new sqs.Queue(this, subAccountId, {
        queueName: queueNameFor(subAccountId, props.resourcePrefix),
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        visibilityTimeout:
          props.visibilityTimeout ?? Duration.seconds(queueSettings.visibilityTimeoutSeconds),
        retentionPeriod: Duration.seconds(queueSettings.messageRetentionSeconds),
        receiveMessageWaitTime: Duration.seconds(queueSettings.receiveWaitTimeSeconds),
        deadLetterQueue: {
          queue: deadLetterQueue,
          maxReceiveCount: props.maxReceiveCount ?? queueSettings.maxReceiveCount,
        },
      });
      queues.set(subAccountId, { subAccountId, queue, deadLetterQueue });
    }
    this.bySubAccount = queues;
  }

  /** `SEND_QUEUE_URLS`: a JSON object, sub-account id → queue URL (tokens resolved at deploy). */
  get queueUrlsJson(): string {
    const urls: Record<string, string> = {};
    for (const [subAccountId, { queue }] of this.bySubAccount) urls[subAccountId] = queue.queueUrl;
    return Stack.of(this).toJsonString(urls);
  }

  /**
   * Receive, extend visibility and delete on every send queue (not the DLQs: redrive is an operator's act),
   * and send to it: a message that only waited is put back as a fresh copy before its receive count would
   * send it to the DLQ (worker/sending/SqsSendConsumer.ts). Only what the worker calls: CDK's
   * grantConsumeMessages adds GetQueueAttributes and GetQueueUrl, which it never calls (the IAM contract
   * test, test/e2e/iamChecks.ts, lists any grant no call uses).
   */
  grantConsume(grantee: iam.IGrantable): void {
    for (const { queue } of this.bySubAccount.values()) {
      queue.grant(
        grantee,
        'sqs:ReceiveMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:SendMessage',
      );
    }
  }

  /** GetQueueAttributes on every send queue and its DLQ (the status page's depths); nothing else. */
  grantDepth(grantee: iam.IGrantable): void {
    for (const { queue, deadLetterQueue } of this.bySubAccount.values()) {
      queue.grant(grantee, 'sqs:GetQueueAttributes');
      deadLetterQueue.grant(grantee, 'sqs:GetQueueAttributes');
    }
  }

  /** SendMessage (which also authorizes SendMessageBatch) on every send queue; nothing else. */
  grantSend(grantee: iam.IGrantable): void {
    for (const { queue } of this.bySubAccount.values()) queue.grant(grantee, 'sqs:SendMessage');
  }
}
