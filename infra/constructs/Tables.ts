/**
 * The fleet's DynamoDB tables, exactly as core/tableKeys.ts defines them (keys, TTL attribute, PITR, change
 * stream), so the emulator bootstrap and AWS cannot drift. On-demand capacity: traffic follows campaigns, not a
 * steady line.
 * Tables that hold records (messages, correlation, idempotency keys) are retained and deletion-protected;
 * the leases table holds only who binds where now and is rebuilt within one lease period.
 */
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  type KeyAttribute,
  type TableDefinition,
  type TableId,
  tableDefinitions,
  tableIds,
  tableName,
} from '../../core/tableKeys.js';

export interface TablesProps {
  readonly resourcePrefix: string;
  /**
   * Tables whose items are records worth keeping: RETAIN on stack deletion and deletion protection on.
   * @default messages, correlation and idempotency
   */
  readonly dataTables?: readonly TableId[];
}

const defaultDataTables: readonly TableId[] = ['messages', 'correlation', 'idempotency'];

/** Why a table may go without point-in-time recovery (core decides which have it). */
const noPitrReasons: Partial<Record<TableId, string>> = {
  correlation:
    'Correlation items live three days (8x8’s 48 h receipt wait plus a day); a point-in-time restore makes a ' +
    'new table that the running workers do not use, so PITR would cost money without restoring service. ' +
    'The table is retained and deletion-protected instead.',
  velocity:
    'Velocity counters count messages per hour and per day: a restore would bring back stale counts for ' +
    'windows that are over, and a lost count only lets through what the window allows again.',
  leases:
    'Bind-slot leases describe only which worker holds which bind right now; they are rebuilt from scratch ' +
    'within one lease period, and restoring old fencing tokens would be wrong.',
};

/** By table: the records (worker/records), receipt correlation (worker/records) and bind leases (worker/leases). */
const workerTableActions: Readonly<Record<TableId, readonly string[]>> = {
  messages: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  // One item per SMSC id, read and written one at a time (worker/records/DynamoDbRecordTables.ts).
  correlation: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  leases: ['dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
  idempotency: [],
  // The one TransactWriteItems per message of worker/guardrails/DynamoDbVelocityCounter.ts (its marker put
  // and counter updates are authorised as PutItem and UpdateItem); granted only with velocityLimits.
  velocity: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
};

function attribute(key: KeyAttribute): dynamodb.Attribute {
  return { name: key.name, type: key.type as dynamodb.AttributeType };
}

export class Tables extends Construct {
  public readonly byId: Readonly<Record<TableId, dynamodb.Table>>;
  /**
   * The same tables as grant targets for their items only: a grant on a table with indexes (`byId`) also
   * allows `<table>/index/*`, which only a reader of an index should get (and cdk-nag flags as a wildcard).
   */
  public readonly itemsOnly: Readonly<Record<TableId, dynamodb.ITable>>;

  constructor(scope: Construct, id: string, props: TablesProps) {
    super(scope, id);
    const dataTables = new Set(props.dataTables ?? defaultDataTables);
    const tables = {} as Record<TableId, dynamodb.Table>;
    const itemsOnly = {} as Record<TableId, dynamodb.ITable>;
    for (const tableId of tableIds) {
      const definition: TableDefinition = tableDefinitions[tableId];
      const isData = dataTables.has(tableId);
      const table = new dynamodb.Table(this, tableId, {
        tableName: tableName(tableId, props.resourcePrefix),
        partitionKey: attribute(definition.partitionKey),
        sortKey: attribute(definition.sortKey),
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption: dynamodb.TableEncryption.AWS_MANAGED,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: definition.pointInTimeRecovery },
        ...(definition.timeToLiveAttribute === undefined
          ? {}
          : { timeToLiveAttribute: definition.timeToLiveAttribute }),
        ...(definition.stream === undefined ? {} : { stream: definition.stream as dynamodb.StreamViewType }),
        deletionProtection: isData,
        removalPolicy: isData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      });
      for (const index of definition.globalSecondaryIndexes) {
        table.addGlobalSecondaryIndex({
          indexName: index.indexName,
          partitionKey: attribute(index.partitionKey),
          ...(index.sortKey === undefined ? {} : { sortKey: attribute(index.sortKey) }),
          projectionType: index.projection as dynamodb.ProjectionType,
        });
      }
      const noPitrReason = noPitrReasons[tableId];
      if (!definition.pointInTimeRecovery && noPitrReason !== undefined) {
        Validations.of(table).acknowledge({ id: 'AwsSolutions-DDB3', reason: noPitrReason });
      }
      tables[tableId] = table;
      itemsOnly[tableId] = dynamodb.Table.fromTableAttributes(this, `${tableId}Items`, {
        tableArn: table.tableArn,
      });
    }
    this.byId = tables;
    this.itemsOnly = itemsOnly;
  }

  /**
   * What the worker's code calls on each table, and nothing more: the IAM contract test
   * (test/e2e/iamChecks.ts) evaluates every call of the whole-fleet runs against these grants and lists any
   * grant no call uses. The worker never touches the idempotency table (an SQS request's key becomes its
   * message id, core/messageId.ts).
   */
  grantWorker(grantee: iam.IGrantable, options: { velocityLimits?: boolean } = {}): void {
    for (const [tableId, actions] of Object.entries(workerTableActions)) {
      if (tableId === 'velocity' && options.velocityLimits !== true) continue;
      if (actions.length > 0) this.itemsOnly[tableId as TableId].grant(grantee, ...actions);
    }
  }
}
