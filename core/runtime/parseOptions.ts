/** Options → their parsed form, or one error that names every bad field (core/fieldErrors.ts). */
import type { z } from 'zod';
import { type FieldError, toFieldErrors } from '../fieldErrors.js';
import { InvalidOptionsError } from './errors.js';

/**
 * Parses `options` with `schema` (defaults filled in). On failure throws an InvalidOptionsError (a
 * TypeError) for `what`, or what `makeError` builds for a module that has an error class of its own.
 */
export function parseOptions<Schema extends z.ZodType>(
  schema: Schema,
  options: unknown,
  what: string,
  makeError: (errors: readonly FieldError[], cause: z.ZodError) => Error = (errors, cause) =>
    new InvalidOptionsError(what, errors, { cause }),
): z.output<Schema> {
  const parsed = schema.safeParse(options);
  if (!parsed.success) throw makeError(toFieldErrors(parsed.error.issues), parsed.error);
  return parsed.data;
}
