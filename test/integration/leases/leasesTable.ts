/** A fresh leases table per test, built from core's definition (what the stack and the bootstrap create). */
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { tableDefinitions } from '../../../core/tableKeys.js';

let counter = 0;

export async function createLeasesTable(dynamodb: DynamoDBClient, label: string): Promise<string> {
  counter += 1;
  const definition = tableDefinitions.leases;
  const name = `${label}-${counter}-${definition.nameSuffix}`;
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [definition.partitionKey, definition.sortKey].map((key) => ({
        AttributeName: key.name,
        AttributeType: key.type,
      })),
      KeySchema: [
        { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: definition.sortKey.name, KeyType: 'RANGE' },
      ],
    }),
  );
  return name;
}
