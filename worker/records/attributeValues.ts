/**
 * DynamoDB's wire format → plain values, for the items the SDK hands back raw: the `Item` of a
 * ConditionalCheckFailedException (the DocumentClient does not unmarshall it). Covers the types this code
 * writes; sets become arrays.
 */
type AttributeValue = Record<string, unknown>;

export function fromAttributeValue(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  const attribute = value as AttributeValue;
  if ('S' in attribute) return attribute.S;
  if ('N' in attribute) return Number(attribute.N);
  if ('BOOL' in attribute) return attribute.BOOL;
  if ('NULL' in attribute) return null;
  if ('M' in attribute) return fromAttributeMap(attribute.M);
  if ('L' in attribute) return Array.isArray(attribute.L) ? attribute.L.map(fromAttributeValue) : [];
  if ('SS' in attribute) return attribute.SS;
  if ('NS' in attribute) return Array.isArray(attribute.NS) ? attribute.NS.map(Number) : [];
  if ('B' in attribute) return attribute.B;
  return undefined;
}

export function fromAttributeMap(map: unknown): Record<string, unknown> | undefined {
  if (typeof map !== 'object' || map === null) return undefined;
  return Object.fromEntries(Object.entries(map).map(([key, value]) => [key, fromAttributeValue(value)]));
}
