/**
 * A send request checked the way the API checks it: core's schema, plus what only the API's configuration
 * knows (the sub-account exists; the text fits in its maxParts; its country rules allow `to`). Pure; never throws; lists every problem.
 */

import { type DestinationRule, destinationRefusal } from '../../core/destinationRules.js';
import { isGsm7Encodable } from '../../core/encoding/gsm7.js';
import { planText, type TextEncoding } from '../../core/encoding/segmentText.js';
import { type FieldError, rootField } from '../../core/fieldErrors.js';
import { subAccountIdPattern } from '../../core/fleetConfig.js';
import { idempotencyKeyHeader } from '../../core/openApi.js';
import { parseSendRequest, type SendRequest, sendRequestLimits } from '../../core/sendRequest.js';

export interface SendPlan {
  encoding: TextEncoding;
  totalParts: number;
  /** GSM septets or UTF-16 code units of the whole text. */
  units: number;
  /** The sub-account's limit. */
  maxParts: number;
}

export type SendValidation =
  | { ok: true; request: SendRequest; plan: SendPlan }
  | { ok: false; errors: FieldError[] };

export interface ValidateOptions {
  /** The `Idempotency-Key` header, if the request had one. */
  headerIdempotencyKey?: string;
}

const headerField = `${idempotencyKeyHeader} (header)`;
const knownListed = 20;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function validateSendRequest(
  input: unknown,
  subAccounts: ReadonlyMap<
    string,
    { readonly maxParts: number; readonly destinationRule?: DestinationRule | undefined }
  >,
  options: ValidateOptions = {},
): SendValidation {
  const { headerIdempotencyKey } = options;
  const errors: FieldError[] = [];
  let candidate = input;
  let keyFromHeader = false;
  if (headerIdempotencyKey !== undefined && isPlainObject(input)) {
    if (input.idempotencyKey === undefined) {
      candidate = { ...input, idempotencyKey: headerIdempotencyKey };
      keyFromHeader = true;
    } else if (input.idempotencyKey !== headerIdempotencyKey) {
      errors.push({
        field: 'idempotencyKey',
        message: `differs from the ${idempotencyKeyHeader} header: give the key once, or the same in both`,
      });
    }
  }

  const parsed = parseSendRequest(candidate);
  if (!parsed.ok) {
    for (const error of parsed.errors) {
      if (error.field === 'dryRun') {
        errors.push({
          ...error,
          message: 'is a query parameter, not a body field: POST /messages?dryRun=true',
        });
      } else if (error.field === 'idempotencyKey' && keyFromHeader) {
        errors.push({ ...error, field: headerField });
      } else {
        errors.push(error);
      }
    }
  }

  // What the schema cannot know, checked even when other fields are bad so one answer lists everything.
  const raw = isPlainObject(candidate) ? candidate : {};
  const subAccountId = typeof raw.subAccount === 'string' ? raw.subAccount : undefined;
  const subAccount = subAccountId === undefined ? undefined : subAccounts.get(subAccountId);
  if (subAccountId !== undefined && subAccount === undefined && subAccountIdPattern.test(subAccountId)) {
    const known = [...subAccounts.keys()];
    const listed = known.slice(0, knownListed).join(', ') + (known.length > knownListed ? ', …' : '');
    errors.push({
      field: 'subAccount',
      message: `is not a sub-account of this fleet (known: ${listed || 'none'})`,
    });
  }
  if (subAccount !== undefined && parsed.ok) {
    const refusal = destinationRefusal(parsed.request.to, subAccount.destinationRule);
    if (refusal !== undefined) errors.push({ field: 'to', message: refusal });
  }
  let plan: SendPlan | undefined;
  const text = raw.text;
  if (
    subAccount !== undefined &&
    typeof text === 'string' &&
    text.length > 0 &&
    text.length <= sendRequestLimits.maxTextLength
  ) {
    const planned = planText(text);
    plan = { ...planned, maxParts: subAccount.maxParts };
    if (planned.totalParts > subAccount.maxParts) {
      errors.push({ field: 'text', message: describeTooManyParts(text, plan, subAccountId ?? '') });
    }
  }

  if (errors.length > 0 || !parsed.ok || plan === undefined) {
    return {
      ok: false,
      errors: errors.length > 0 ? errors : [{ field: rootField, message: 'is not a valid send request' }],
    };
  }
  return { ok: true, request: parsed.request, plan };
}

function describeTooManyParts(text: string, plan: SendPlan, subAccount: string): string {
  const units = plan.encoding === 'GSM7' ? 'GSM characters' : 'UTF-16 units';
  let message =
    `needs ${plan.totalParts} SMS parts as ${plan.encoding} (${plan.units} ${units}); ` +
    `sub-account ${subAccount} allows at most ${plan.maxParts}`;
  if (plan.encoding === 'UCS2') {
    const first = [...text].find((character) => !isGsm7Encodable(character));
    if (first !== undefined) {
      message += ` (it is sent as UCS-2, 70 characters a part, because of ${JSON.stringify(first)}, which GSM 7-bit cannot carry)`;
    }
  }
  return message;
}
