/**
 * Reads message records the way GET /messages/{id} sees them (worker/records/MessageRecord.ts), for tests:
 * by id (consistent BatchGetItem, 100 keys a call) or the whole table (consistent Scan).
 */
import { BatchGetCommand, type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { type MessageRecord, messageRecordFromItem } from '../../core/messageRecord.js';
import { messageKey } from '../../core/tableKeys.js';

/** These messages' records (absent ones left out); `statusOnly` reads id and status only. */
export async function readMessageRecords(
  client: DynamoDBDocumentClient,
  table: string,
  ids: readonly string[],
  options: { statusOnly?: boolean } = {},
): Promise<MessageRecord[]> {
  const statusOnly = options.statusOnly ?? false;
  const found: MessageRecord[] = [];
  for (let start = 0; start < ids.length; start += 100) {
    let keys: Array<Record<string, unknown>> = ids
      .slice(start, start + 100)
      .map((id) => ({ ...messageKey(id) }));
    for (let round = 0; keys.length > 0; round += 1) {
      if (round > 20) throw new Error(`BatchGetItem kept leaving ${keys.length} keys unprocessed`);
      const page = await client.send(
        new BatchGetCommand({
          RequestItems: {
            [table]: {
              Keys: keys,
              ConsistentRead: true,
              ...(statusOnly
                ? {
                    ProjectionExpression: '#id, #status, #pk, #sk',
                    ExpressionAttributeNames: {
                      '#id': 'messageId',
                      '#status': 'status',
                      '#pk': 'pk',
                      '#sk': 'sk',
                    },
                  }
                : {}),
            },
          },
        }),
      );
      for (const item of page.Responses?.[table] ?? []) {
        const record = messageRecordFromItem(statusOnly ? { ...item, parts: [] } : item);
        if (record) found.push(record);
      }
      keys = page.UnprocessedKeys?.[table]?.Keys ?? [];
    }
  }
  return found;
}

/** Every record in the table, by message id. */
export async function scanMessageRecords(
  client: DynamoDBDocumentClient,
  table: string,
): Promise<Map<string, MessageRecord>> {
  const found = new Map<string, MessageRecord>();
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: table,
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      const record = messageRecordFromItem(item);
      if (record) found.set(record.messageId, record);
    }
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return found;
}
