/** zod issues → `{ field, message }` pairs that name the offending field the way a developer writes it. */
import type { z } from 'zod';

export interface FieldError {
  /** Path to the bad value, e.g. `to`, `context.orderId`, `subAccounts[1].bindCap`; `(root)` for the whole input. */
  field: string;
  message: string;
}

export const rootField = '(root)';

/** `['subAccounts', 1, 'bindCap']` → `subAccounts[1].bindCap`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][\w$]*$/.test(segment))
      out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out === '' ? rootField : out;
}

/**
 * One entry per problem. An unknown key becomes its own entry, named by its own path, so the caller sees
 * `{ field: 'colour', message: 'is not a known field …' }` rather than one entry for the parent object.
 */
export function toFieldErrors(
  issues: readonly z.core.$ZodIssue[],
  describeUnknownKey: (parentPath: readonly PropertyKey[]) => string = () => 'is not a known field',
): FieldError[] {
  const errors: FieldError[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        errors.push({ field: formatPath([...issue.path, key]), message: describeUnknownKey(issue.path) });
      }
    } else {
      errors.push({ field: formatPath(issue.path), message: issue.message });
    }
  }
  return errors;
}
