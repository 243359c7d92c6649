/**
 * The reconciler: a scheduled function (lambdas/reconcileRecords.ts) that settles the message records no SQS
 * message can move any more — `accepted` or `submitting` past the send queue's retention plus a margin
 * (core/reconcileRecord.ts; docs/delivery-guarantees.md). Its writes are announced by the records stream
 * like any other, so it needs no access to the bus.
 *
 * - An EventBridge rule runs it every `every` (default 15 minutes); each run resumes from the watermark the
 *   last complete run left, so failed runs, or days without runs, are made up by the next ones.
 * - The role may Query the one index (`byAcceptedAt`), BatchGetItem and UpdateItem the messages table's
 *   items, GetItem there (its watermark), and PutItem there (the `UNMATCHED#` event item of an early receipt no worker reported); Query
 *   the correlation table's `awaitingSubmission` index, GetItem and UpdateItem its items: nothing else.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acceptedIndex, awaitingSubmissionIndex, workerEnv } from '../../core/tableKeys.js';
import { FleetFunction } from './FleetFunction.js';
import type { Tables } from './Tables.js';

export interface ReconcilerProps {
  readonly tables: Tables;
  /** How often it runs. @default 15 minutes */
  readonly every?: Duration;
  /** LOG_LEVEL. @default INFO */
  readonly logLevel?: string;
  /** MASK_PHONE_NUMBERS. @default true */
  readonly maskPhoneNumbers?: boolean;
  /** @default 30 days */
  readonly logRetention?: logs.RetentionDays;
}

/** The reconciler's handler file (it exports `handler(): Promise<ReconcileSummary>`). */
export const reconcilerEntry = 'lambdas/reconcileRecords.ts';

export class Reconciler extends Construct {
  public readonly function: FleetFunction;
  public readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: ReconcilerProps) {
    super(scope, id);
    const messages = props.tables.itemsOnly.messages;
    const correlation = props.tables.itemsOnly.correlation;

    this.function = new FleetFunction(this, 'Function', {
      entry: reconcilerEntry,
      description:
        'smpp-fleet reconciler: fails (or marks submitted) message records left accepted/submitting past their send queue reach',
      environment: {
        [workerEnv.messagesTable]: messages.tableName,
        [workerEnv.correlationTable]: correlation.tableName,
        [workerEnv.logLevel]: props.logLevel ?? 'INFO',
        [workerEnv.maskPhoneNumbers]: String(props.maskPhoneNumbers ?? true),
      },
      ...(props.logRetention === undefined ? {} : { logRetention: props.logRetention }),
      // A run reads at most a day of acceptances (8 Query pages a day touched, BatchGetItem of 100) and
      // writes only the few stuck ones: minutes would be a very large backlog. The next run resumes anyway.
      timeout: Duration.minutes(5),
    });
    // Query on the two indexes, not the tables; the rest on the tables' items.
    iam.Grant.addToPrincipal({
      grantee: this.function,
      actions: ['dynamodb:Query'],
      resourceArns: [
        `${props.tables.byId.messages.tableArn}/index/${acceptedIndex.indexName}`,
        `${props.tables.byId.correlation.tableArn}/index/${awaitingSubmissionIndex.indexName}`,
      ],
    });
    messages.grant(
      this.function,
      'dynamodb:BatchGetItem',
      'dynamodb:UpdateItem',
      'dynamodb:PutItem',
      'dynamodb:GetItem', // its watermark
    );
    correlation.grant(this.function, 'dynamodb:GetItem', 'dynamodb:UpdateItem');

    this.schedule = new events.Rule(this, 'Schedule', {
      description: 'Runs the smpp-fleet reconciler',
      schedule: events.Schedule.rate(props.every ?? Duration.minutes(15)),
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 2 })],
    });
  }
}
