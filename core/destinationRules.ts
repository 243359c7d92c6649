/**
 * Country rules (issue 15): per sub-account, an allow-list or a block-list of destination prefixes (E.164
 * calling codes or longer number prefixes). Pure: the API and the worker ask the same question of the same
 * config, so a number refused by one is refused by the other.
 */
import { z } from 'zod';

/** A prefix as written in the config: digits, with or without a leading '+'. */
const prefixPattern = /^\+?[0-9]{1,15}$/;

export const destinationPrefixSchema = z
  .string({ error: 'must be a string of digits, e.g. "+65" or "4479"' })
  .regex(prefixPattern, {
    error: 'must be a calling code or number prefix: 1–15 digits, with or without a leading "+" (e.g. "+65")',
  })
  .transform((prefix) => prefix.replace(/^\+/, ''));

export const destinationPrefixListSchema = z
  .array(destinationPrefixSchema)
  .min(1, { error: 'list at least one prefix, or leave the field out' })
  .max(1_000);

/** A sub-account's rule after parsing: prefixes as digits without '+'. */
export type DestinationRule =
  | { readonly kind: 'allow'; readonly prefixes: readonly string[] }
  | { readonly kind: 'block'; readonly prefixes: readonly string[] };

/**
 * Why `to` (E.164, '+' and digits) may not be sent to under `rule`, or undefined when it may. No rule: every
 * number may.
 */
export function destinationRefusal(to: string, rule: DestinationRule | undefined): string | undefined {
  if (rule === undefined) return undefined;
  const digits = to.replace(/^\+/, '');
  const matched = rule.prefixes.find((prefix) => digits.startsWith(prefix));
  if (rule.kind === 'allow') {
    if (matched !== undefined) return undefined;
    const listed = rule.prefixes.slice(0, 10).map((prefix) => `+${prefix}`);
    return (
      `is not a destination this sub-account may send to (allowed prefixes: ${listed.join(', ')}` +
      `${rule.prefixes.length > listed.length ? ', …' : ''})`
    );
  }
  return matched === undefined
    ? undefined
    : `is a blocked destination for this sub-account (prefix +${matched} is on its block-list)`;
}
