/**
 * The send routes' opt-out check: for a sub-account that keeps a suppression list, a number on it is
 * refused (400 `destination_opted_out`, naming `to`). One GetItem per request (one BatchGetItem per batch);
 * none for a sub-account without `optOuts`.
 */
import type { FieldError } from '../../core/fieldErrors.js';
import { describeOptOut, type Suppression } from '../../core/suppressions.js';
import type { SubAccountRoute } from './apiConfig.js';
import type { SuppressionStore } from './SuppressionStore.js';

/** The error a refused send lists. */
export function optedOutError(to: string, suppression: Suppression): FieldError {
  return { field: 'to', message: `${to} ${describeOptOut(suppression)}` };
}

/** Whether the sub-account's sends are checked against its list. */
export function checksSuppressions(
  subAccounts: ReadonlyMap<string, Pick<SubAccountRoute, 'keepsSuppressionList'>>,
  subAccount: string,
): boolean {
  return subAccounts.get(subAccount)?.keepsSuppressionList === true;
}

/** Fails at build time, not on the first request, when a sub-account keeps a list and no store was given. */
export function requireSuppressionStore<T extends Partial<SuppressionStore>>(
  subAccounts: ReadonlyMap<string, Pick<SubAccountRoute, 'keepsSuppressionList'>>,
  store: T | undefined,
): T | undefined {
  const listed = [...subAccounts].filter(([, route]) => route.keepsSuppressionList === true);
  if (listed.length > 0 && store === undefined) {
    throw new TypeError(
      `sub-accounts ${listed.map(([id]) => id).join(', ')} keep a suppression list but the handler has no suppression store`,
    );
  }
  return store;
}
