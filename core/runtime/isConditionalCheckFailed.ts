/**
 * "DynamoDB refused the write's condition", told by the error's name rather than `instanceof`, so it holds
 * for any copy of the SDK (and without importing it here: core/ is no adapter).
 */

/** A refused condition; `Item` is what the write ran into, in wire format, when it asked for ALL_OLD. */
export interface ConditionalCheckFailure extends Error {
  readonly name: 'ConditionalCheckFailedException';
  readonly Item?: Readonly<Record<string, unknown>>;
}

export function isConditionalCheckFailed(error: unknown): error is ConditionalCheckFailure {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
