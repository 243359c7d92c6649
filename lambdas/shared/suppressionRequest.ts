/**
 * The number and sub-account a /suppressions/{number} request names, checked: the number is E.164 (its '+'
 * as written or percent-encoded), the sub-account exists and keeps a suppression list. Pure; lists every
 * problem.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { FieldError } from '../../core/fieldErrors.js';
import { isE164 } from '../../core/suppressions.js';
import type { SubAccountRoute } from './apiConfig.js';
import type { SuppressionRef } from './SuppressionStore.js';

export type SuppressionRequest = { ok: true; ref: SuppressionRef } | { ok: false; errors: FieldError[] };

export function readSuppressionRequest(
  event: Pick<APIGatewayProxyEvent, 'pathParameters' | 'queryStringParameters'>,
  subAccounts: ReadonlyMap<string, Pick<SubAccountRoute, 'keepsSuppressionList'>>,
): SuppressionRequest {
  const errors: FieldError[] = [];
  const phoneNumber = decodedNumber(event.pathParameters?.number);
  if (phoneNumber === undefined || !isE164(phoneNumber)) {
    errors.push({
      field: 'number',
      message:
        'must be an E.164 phone number with its + (written as %2B or +), e.g. /suppressions/%2B6591234567',
    });
  }
  const subAccount = event.queryStringParameters?.subAccount?.trim();
  if (subAccount === undefined || subAccount === '') {
    errors.push({ field: 'subAccount (query)', message: 'is required: whose list, e.g. ?subAccount=acme' });
  } else {
    const route = subAccounts.get(subAccount);
    if (route === undefined) {
      errors.push({
        field: 'subAccount (query)',
        message: `is not a sub-account of this fleet (known: ${[...subAccounts.keys()].slice(0, 20).join(', ') || 'none'})`,
      });
    } else if (!route.keepsSuppressionList) {
      errors.push({
        field: 'subAccount (query)',
        message: `keeps no suppression list: add "optOuts": {} to sub-account ${subAccount} in the fleet config`,
      });
    }
  }
  if (errors.length > 0 || phoneNumber === undefined || subAccount === undefined)
    return { ok: false, errors };
  return { ok: true, ref: { subAccount, phoneNumber } };
}

function decodedNumber(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  try {
    return decodeURIComponent(raw).trim();
  } catch {
    return undefined;
  }
}
