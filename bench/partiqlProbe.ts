/**
 * What the emulator (moto, started from the project's .venv) does with the PartiQL writes that batching the
 * record path would need (`BatchExecuteStatement`, up to 25 independently conditional statements per call;
 * docs/benchmarks.md section 3, "Batching the record writes"). Run by hand, through the real SDK:
 *
 *   npx tsx bench/partiqlProbe.ts
 *
 * Each case prints what it needs, what real DynamoDB documents, and what moto answered and left in the table.
 * It asserts nothing: it is the evidence behind choosing another lever while the tests run on moto. When, after
 * a moto upgrade, every answer matches its DynamoDB line, batching becomes testable here.
 */
import {
  type AttributeValue,
  BatchExecuteStatementCommand,
  CreateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { startEmulatorFixture } from '../test/support/startEmulatorFixture.js';

interface ProbeCase {
  /** What the record path needs this statement for. */
  need: string;
  /** What DynamoDB's PartiQL reference says happens. */
  dynamodb: string;
  statement: string;
  parameters: unknown[];
  /** The item to show afterwards (pk). */
  item: string;
}

const table = 'partiql-probe';
const record = {
  pk: 'rec',
  sk: 'r',
  status: 'submitting',
  version: 2,
  claimToken: 't1',
  parts: [{ partNumber: 1, status: 'submitting' }],
};

const cases: ProbeCase[] = [
  {
    need: 'the submission: several top-level SETs, as DynamoDB writes them',
    dynamodb: 'applied',
    statement: `UPDATE "${table}" SET status=? SET submittedAt=? WHERE pk=? AND sk=?`,
    parameters: ['submitted', 1, 'rec', 'r'],
    item: 'rec',
  },
  {
    need: 'the same, comma-separated (not the documented form)',
    dynamodb: 'not documented',
    statement: `UPDATE "${table}" SET status=?, submittedAt=? WHERE pk=? AND sk=?`,
    parameters: ['submitted', 1, 'rec', 'r'],
    item: 'rec',
  },
  {
    need: 'version + 1 (avoidable: under its version condition a statement can set the next version as a value)',
    dynamodb: 'to check in AWS: the reference names LIST_APPEND, SET_ADD and SET_DELETE as its operations',
    statement: `UPDATE "${table}" SET version=version+1 WHERE pk=? AND sk=?`,
    parameters: ['rec', 'r'],
    item: 'rec',
  },
  {
    need: 'the fence: version and claim token must match (here they do not)',
    dynamodb:
      'Error.Code ConditionalCheckFailed, with the item when ReturnValuesOnConditionCheckFailure = ALL_OLD',
    statement: `UPDATE "${table}" SET status=? WHERE pk=? AND sk=? AND version=? AND claimToken=?`,
    parameters: ['failed', 'rec', 'r', 99, 't1'],
    item: 'rec',
  },
  {
    need: 'a condition on an attribute being absent (here it is present)',
    dynamodb: 'Error.Code ConditionalCheckFailed',
    statement: `UPDATE "${table}" SET status=? WHERE pk=? AND sk=? AND claimToken IS MISSING`,
    parameters: ['stolen', 'rec', 'r'],
    item: 'rec',
  },
  {
    need: "the receipt's write: one field of the first part",
    dynamodb: 'applied',
    statement: `UPDATE "${table}" SET parts[0].status=? WHERE pk=? AND sk=?`,
    parameters: ['delivered', 'rec', 'r'],
    item: 'rec',
  },
  {
    need: 'a whole list value (the parts)',
    dynamodb: 'applied',
    statement: `UPDATE "${table}" SET parts=? WHERE pk=? AND sk=?`,
    parameters: [[{ partNumber: 1, status: 'submitted', smscMessageId: 'A1' }], 'rec', 'r'],
    item: 'rec',
  },
  {
    need: "the correlation item's submission half, on an id with no item yet",
    dynamodb: 'Error.Code ConditionalCheckFailed (a WHERE true for no item fails; INSERT creates items)',
    statement: `UPDATE "${table}" SET messageId=? WHERE pk=? AND sk=? AND earlyReceipt IS MISSING`,
    parameters: ['m1', 'corr', 'r'],
    item: 'corr',
  },
  {
    need: 'creating an item',
    dynamodb: 'applied (an existing key: Error.Code DuplicateItem)',
    statement: `INSERT INTO "${table}" VALUE {'pk': ?, 'sk': ?, 'messageId': ?}`,
    parameters: ['new', 'r', 'm2'],
    item: 'new',
  },
  {
    need: 'create-if-absent on a key that exists (values written out: moto cannot take parameters here)',
    dynamodb: 'Error.Code DuplicateItem, the item unchanged',
    statement: `INSERT INTO "${table}" VALUE {'pk': 'rec', 'sk': 'r', 'status': 'overwritten'}`,
    parameters: [],
    item: 'rec',
  },
];

const fixture = await startEmulatorFixture();
try {
  await fixture.dynamodb.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  for (const probe of cases) {
    // Each case starts from the same record.
    await fixture.documentClient.send(new PutCommand({ TableName: table, Item: record }));
    let answer: string;
    try {
      const result = await fixture.dynamodb.send(
        new BatchExecuteStatementCommand({
          Statements: [
            {
              Statement: probe.statement,
              ...(probe.parameters.length === 0
                ? {}
                : {
                    Parameters: probe.parameters.map((value) => marshall({ value }).value as AttributeValue),
                  }),
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          ],
        }),
      );
      const [response] = result.Responses ?? [];
      answer =
        response?.Error === undefined
          ? 'no error'
          : `Error.Code ${response.Error.Code}${response.Item === undefined ? '' : ` with ${JSON.stringify(unmarshall(response.Item))}`}`;
    } catch (error) {
      // moto answers an HTML error page (HTTP 500) for statements its parser cannot run.
      answer = `the call failed: ${(error as Error).name}${(error as { $response?: { statusCode?: number } }).$response?.statusCode === undefined ? '' : ` (HTTP ${(error as { $response: { statusCode: number } }).$response.statusCode})`}`;
    }
    const { Item: after } = await fixture.documentClient.send(
      new GetCommand({ TableName: table, Key: { pk: probe.item, sk: 'r' }, ConsistentRead: true }),
    );
    console.info(
      `- ${probe.need}\n    ${probe.statement}\n    DynamoDB: ${probe.dynamodb}\n    moto: ${answer}; ${probe.item} after: ${after === undefined ? 'no item' : JSON.stringify({ ...after, pk: undefined, sk: undefined })}`,
    );
  }
} finally {
  await fixture.stop();
}
