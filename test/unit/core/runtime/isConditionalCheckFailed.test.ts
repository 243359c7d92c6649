import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { isConditionalCheckFailed } from '../../../../core/runtime/isConditionalCheckFailed.js';

describe('isConditionalCheckFailed', () => {
  it("recognises the SDK's exception, with the item it ran into", () => {
    const error = new ConditionalCheckFailedException({
      message: 'The conditional request failed',
      $metadata: {},
      Item: { holder: { S: 'w1' } },
    });
    expect(isConditionalCheckFailed(error)).toBe(true);
    expect(isConditionalCheckFailed(error) && error.Item).toEqual({ holder: { S: 'w1' } });
  });

  it('recognises one by name alone (another copy of the SDK, a deserialised error)', () => {
    const error = Object.assign(new Error('The conditional request failed'), {
      name: 'ConditionalCheckFailedException',
    });
    expect(isConditionalCheckFailed(error)).toBe(true);
  });

  it('refuses other errors and non-errors', () => {
    expect(
      isConditionalCheckFailed(new TransactionCanceledException({ message: 'cancelled', $metadata: {} })),
    ).toBe(false);
    expect(isConditionalCheckFailed(new Error('ConditionalCheckFailedException'))).toBe(false);
    expect(isConditionalCheckFailed({ name: 'ConditionalCheckFailedException' })).toBe(false);
    expect(isConditionalCheckFailed(undefined)).toBe(false);
  });
});
