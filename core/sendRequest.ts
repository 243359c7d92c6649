/**
 * The public send request: the HTTP API's body and the SQS message body are this same JSON, checked by
 * this one schema on both sides. Unknown fields are rejected (a typo must not silently drop an option).
 */
import { z } from 'zod';
import { type FieldError, rootField, toFieldErrors } from './fieldErrors.js';
import { subAccountIdPattern } from './fleetConfig.js';

export const sendRequestLimits = {
  /** Characters (UTF-16 units). Segmenting also refuses texts past the sub-account's maxParts. */
  maxTextLength: 1_600,
  maxIdempotencyKeyLength: 128,
  maxClientReferenceLength: 128,
  minValidityPeriodSeconds: 60,
  /** 72 h, as AWS End User Messaging's TimeToLive. */
  maxValidityPeriodSeconds: 259_200,
  maxContextEntries: 10,
  maxContextKeyLength: 64,
  maxContextValueLength: 256,
} as const;

/** `+`, a country code that does not start with 0, 8–15 digits in all. */
const e164Pattern = /^\+[1-9][0-9]{7,14}$/;
/**
 * Alphanumeric sender ID (GSM 03.40: ≤ 11 characters, here with at least one letter and only characters
 * carriers accept widely) or a numeric sender (short code, long number; ≤ 15 digits, optional `+`).
 */
const senderPattern = /^(?:(?=[^A-Za-z]*[A-Za-z])[A-Za-z0-9 .\-_&]{1,11}|\+?[0-9]{1,15})$/;
const idempotencyKeyPattern = /^[\x21-\x7E]{1,128}$/;

function describeBadNumber(input: unknown): string {
  if (typeof input !== 'string') return 'must be a string: the E.164 phone number, e.g. "+6591234567"';
  if (!input.startsWith('+')) return 'must start with + and the country code (E.164), e.g. "+6591234567"';
  const rest = input.slice(1);
  if (/[^0-9]/.test(rest)) return 'must be digits only after the + (no spaces, dashes or brackets)';
  if (rest.startsWith('0')) return 'must not have a 0 after the +: the country code comes first';
  return `must have 8 to 15 digits after the + (has ${rest.length})`;
}

function describeBadSender(input: unknown): string {
  if (typeof input !== 'string') return 'must be a string: an alphanumeric sender ID or a number';
  if (input.length === 0) return 'must not be empty';
  if (/[A-Za-z]/.test(input)) {
    const bad = [...new Set(input.replace(/[A-Za-z0-9 .\-_&]/g, ''))];
    if (bad.length > 0) {
      return `contains ${bad.map((c) => JSON.stringify(c)).join(', ')}: an alphanumeric sender ID may use only letters, digits, space and . - _ &`;
    }
    return `must be at most 11 characters as an alphanumeric sender ID (has ${input.length})`;
  }
  if (/^\+?[0-9]+$/.test(input))
    return `must be at most 15 digits as a numeric sender (has ${input.replace('+', '').length})`;
  return 'must be an alphanumeric sender ID (≤ 11 characters, at least one letter) or a number (≤ 15 digits, optional +)';
}

export const sendRequestSchema = z.strictObject(
  {
    /** The 8x8 sub-account to send through, as named in the fleet config. */
    subAccount: z
      .string({ error: 'is required: the sub-account id from the fleet config' })
      .regex(subAccountIdPattern, {
        error: 'must be a sub-account id from the fleet config (1–50 letters, digits, _ or -)',
      }),
    /** Destination, E.164 with the leading +. */
    to: z.string({ error: (issue) => describeBadNumber(issue.input) }).regex(e164Pattern, {
      error: (issue) => describeBadNumber(issue.input),
    }),
    /** Sender: alphanumeric (≤ 11 characters) or numeric (≤ 15 digits). */
    from: z.string({ error: (issue) => describeBadSender(issue.input) }).regex(senderPattern, {
      error: (issue) => describeBadSender(issue.input),
    }),
    text: z
      .string({ error: 'is required: the message text' })
      .min(1, { error: 'must not be empty' })
      .max(sendRequestLimits.maxTextLength, {
        error: `must be at most ${sendRequestLimits.maxTextLength} characters`,
      }),
    /** The same key for the same sub-account never sends a second SMS. */
    idempotencyKey: z
      .string({ error: 'must be a string' })
      .regex(idempotencyKeyPattern, {
        error: 'must be 1–128 visible ASCII characters (no spaces), e.g. a UUID',
      })
      .optional(),
    /** Yours, copied into the record and every event. */
    clientReference: z
      .string({ error: 'must be a string' })
      .max(sendRequestLimits.maxClientReferenceLength, {
        error: `must be at most ${sendRequestLimits.maxClientReferenceLength} characters`,
      })
      .optional(),
    /**
     * Seconds from acceptance (the API's, or SQS's SentTimestamp) after which the message is no use: not
     * submitted if it has not gone out by then, and sent to 8x8 as that absolute time (worker/sending/expiry.ts).
     * @default 48 h
     */
    validityPeriod: z
      .int({ error: 'must be a whole number of seconds' })
      .min(sendRequestLimits.minValidityPeriodSeconds, {
        error: `must be at least ${sendRequestLimits.minValidityPeriodSeconds} seconds`,
      })
      .max(sendRequestLimits.maxValidityPeriodSeconds, {
        error: `must be at most ${sendRequestLimits.maxValidityPeriodSeconds} seconds (72 hours)`,
      })
      .optional(),
    /** Ask for a delivery receipt. */
    registeredDelivery: z.boolean({ error: 'must be true or false' }).default(true),
    /** String pairs copied into every event about this message (like AWS End User Messaging's Context). */
    context: z
      .record(
        z.string(),
        z.string({ error: 'must be a string' }).max(sendRequestLimits.maxContextValueLength, {
          error: `must be at most ${sendRequestLimits.maxContextValueLength} characters`,
        }),
        { error: 'must be an object of string values' },
      )
      .superRefine((context, ctx) => {
        const keys = Object.keys(context);
        if (keys.length > sendRequestLimits.maxContextEntries) {
          ctx.addIssue({
            code: 'custom',
            message: `must have at most ${sendRequestLimits.maxContextEntries} entries (has ${keys.length})`,
          });
        }
        for (const key of keys) {
          if (key.length === 0 || key.length > sendRequestLimits.maxContextKeyLength) {
            ctx.addIssue({
              code: 'custom',
              path: [key],
              message: `keys must be 1–${sendRequestLimits.maxContextKeyLength} characters`,
            });
          }
        }
      })
      .optional(),
  },
  {
    error: (issue) =>
      issue.code === 'invalid_type' ? 'must be a JSON object with subAccount, to, from and text' : undefined,
  },
);

/** A send request as a producer writes it (registeredDelivery may be left out). */
export type SendRequestInput = z.input<typeof sendRequestSchema>;
/** A validated send request, defaults filled in. */
export type SendRequest = z.output<typeof sendRequestSchema>;

export type SendRequestParseResult = { ok: true; request: SendRequest } | { ok: false; errors: FieldError[] };

const sendRequestFields = Object.keys(sendRequestSchema.shape);
/** Names people reach for from other SMS APIs. */
const likelyMeant = new Map<string, string>(
  Object.entries({
    message: 'text',
    body: 'text',
    messageBody: 'text',
    content: 'text',
    destination: 'to',
    destinationPhoneNumber: 'to',
    recipient: 'to',
    sender: 'from',
    senderId: 'from',
    originationIdentity: 'from',
    subAccountId: 'subAccount',
    ttl: 'validityPeriod',
    timeToLive: 'validityPeriod',
    reference: 'clientReference',
  }),
);

/** Validates a decoded JSON value. Never throws; on failure lists every bad field. */
export function parseSendRequest(input: unknown): SendRequestParseResult {
  const result = sendRequestSchema.safeParse(input);
  if (result.success) return { ok: true, request: result.data };
  const errors = toFieldErrors(result.error.issues, (parentPath) =>
    parentPath.length === 0
      ? `is not a field of a send request (fields: ${sendRequestFields.join(', ')})`
      : 'is not a known field',
  ).map((error) => {
    const meant = likelyMeant.get(error.field);
    return meant === undefined || !error.message.startsWith('is not a field')
      ? error
      : { ...error, message: `is not a field of a send request: did you mean "${meant}"?` };
  });
  return {
    ok: false,
    errors: errors.length > 0 ? errors : [{ field: rootField, message: 'is not a valid send request' }],
  };
}

/** JSON Schema of the request as a producer writes it: for API docs and SQS producers in other languages. */
export function sendRequestJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(sendRequestSchema, { io: 'input' });
}
