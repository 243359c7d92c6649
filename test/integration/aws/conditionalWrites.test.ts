import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { useAwsEmulator } from './emulatorFixture.js';

const aws = useAwsEmulator();

describe('the emulator keeps DynamoDB conditional writes atomic, as DynamoDB does', () => {
  it('lets exactly one of many concurrent updates conditioned on the same version succeed', async () => {
    const { dynamodb, documentClient } = aws();
    await dynamodb.send(
      new CreateTableCommand({
        TableName: 'race',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    for (let round = 0; round < 10; round++) {
      const pk = `item-${round}`;
      await documentClient.send(new PutCommand({ TableName: 'race', Item: { pk, version: 1 } }));
      const attempts = await Promise.allSettled(
        Array.from({ length: 8 }, (_, writer) =>
          documentClient.send(
            new UpdateCommand({
              TableName: 'race',
              Key: { pk },
              UpdateExpression: 'SET version = :next, writer = :writer',
              ConditionExpression: 'version = :expected',
              ExpressionAttributeValues: { ':expected': 1, ':next': 2, ':writer': writer },
            }),
          ),
        ),
      );
      // Two winners would mean a lost update: a lease held twice, a record change silently overwritten.
      expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    }
  });
});
