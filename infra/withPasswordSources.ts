/**
 * The fleet config the deployed worker is given (FLEET_CONFIG): the file as the operator wrote it, with each
 * sub-account's password source replaced by the Secrets Manager secret the stack resolved for it. The
 * as-written form is kept (rather than the parsed one) so the worker's own parseFleetConfig sees exactly
 * what the operator wrote, defaults and all.
 */
import type { PasswordSource } from '../core/fleetConfig.js';

export function withPasswordSources(
  input: Readonly<Record<string, unknown>>,
  passwordSourceFor: (subAccountId: string) => PasswordSource,
): Record<string, unknown> {
  const subAccounts = input.subAccounts;
  if (!Array.isArray(subAccounts)) throw new TypeError('the fleet config has no subAccounts array');
  return {
    ...input,
    subAccounts: subAccounts.map((account: unknown) => {
      const entry = account as Record<string, unknown>;
      if (typeof entry.id !== 'string') throw new TypeError('a sub-account has no id');
      return { ...entry, password: passwordSourceFor(entry.id) };
    }),
  };
}
