/**
 * The HTTP API's contract: its operations, the schemas of what it answers, and the OpenAPI 3 document
 * generated from those schemas and core/sendRequest.ts (never written by hand). lambdas/ shapes its answers
 * with these types, lambdas/routes.ts builds the route table from `apiOperations`, and the stack takes the
 * document and `apiRequestModels()` from here, so the three cannot drift.
 */
import { z } from 'zod';
import { messageEncodings, optOutSources } from './events.js';
import { messageStates } from './messageState.js';
import { sendRequestSchema } from './sendRequest.js';

/** The API's operations by route id: method and API Gateway resource path. */
export const apiOperations = {
  postMessage: { method: 'POST', path: '/messages' },
  postMessageBatch: { method: 'POST', path: '/messages/batch' },
  getMessage: { method: 'GET', path: '/messages/{id}' },
  getOpenApi: { method: 'GET', path: '/openapi.json' },
  getStatusPage: { method: 'GET', path: '/status' },
  getStatus: { method: 'GET', path: '/status.json' },
  getSuppression: { method: 'GET', path: '/suppressions/{number}' },
  putSuppression: { method: 'PUT', path: '/suppressions/{number}' },
  deleteSuppression: { method: 'DELETE', path: '/suppressions/{number}' },
} as const;
export type ApiRouteId = keyof typeof apiOperations;
export type ApiMethod = (typeof apiOperations)[ApiRouteId]['method'];

export const apiLimits = {
  /** Items in one POST /messages/batch (SQS sends them in batches of 10). */
  maxBatchItems: 100,
} as const;

/** HTTP header carrying an idempotency key (the body's `idempotencyKey` field means the same). */
export const idempotencyKeyHeader = 'Idempotency-Key';
/** Response header set to `true` when the answer repeats an earlier one for the same idempotency key. */
export const idempotentReplayedHeader = 'Idempotent-Replayed';

/** Machine-readable `code` of every error answer. */
export const apiErrorCodes = {
  invalidRequest: 'invalid_request',
  invalidJson: 'invalid_json',
  invalidBodyEncoding: 'invalid_body_encoding',
  missingBody: 'missing_body',
  unsupportedMediaType: 'unsupported_media_type',
  payloadTooLarge: 'payload_too_large',
  notFound: 'not_found',
  messageNotFound: 'message_not_found',
  destinationOptedOut: 'destination_opted_out',
  /** Over one of the sub-account's velocity limits (core/velocityLimits.ts): 429 with Retry-After. */
  rateLimited: 'rate_limited',
  suppressionNotFound: 'suppression_not_found',
  methodNotAllowed: 'method_not_allowed',
  idempotencyKeyReused: 'idempotency_key_reused',
  idempotencyRequestInProgress: 'idempotency_request_in_progress',
  queueUnavailable: 'queue_unavailable',
  storageUnavailable: 'storage_unavailable',
  misconfigured: 'misconfigured',
  internalError: 'internal_error',
} as const;
export type ApiErrorCode = (typeof apiErrorCodes)[keyof typeof apiErrorCodes];

/** Message ids are UUIDs (random v4 from the API, v8 derived from an idempotency key or an SQS message). */
export const messageIdPattern =
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

const messageIdSchema = z
  .string()
  .regex(messageIdPattern)
  .describe('The fleet’s id for the message (a UUID).');
const encodingSchema = z.enum(messageEncodings).describe('GSM7 when every character fits, else UCS2.');
const partsSchema = z.int().positive().describe('SMS parts the text takes (each is billed as one SMS).');
const epochMsSchema = z.int().nonnegative().describe('Epoch milliseconds.');

export const fieldErrorSchema = z
  .object({
    field: z.string().describe('Path to the bad value, e.g. `to`, `context.orderId`, `messages[3].text`.'),
    message: z.string(),
  })
  .meta({ id: 'FieldError' });

export const errorResponseSchema = z
  .object({
    error: z.string().describe('What went wrong, for a person.'),
    code: z.enum(Object.values(apiErrorCodes) as [ApiErrorCode, ...ApiErrorCode[]]),
    errors: z.array(fieldErrorSchema).optional().describe('Every bad field (400 invalid_request).'),
    messageId: messageIdSchema.optional().describe('The message the answer is about, when there is one.'),
    retryable: z
      .boolean()
      .optional()
      .describe(
        'true: the same request may be sent again (with the same idempotency key) and will not send twice.',
      ),
    requestId: z.string().optional().describe('The API Gateway request id: quote it when asking for help.'),
  })
  .meta({ id: 'Error' });

export const acceptedResponseSchema = z
  .object({
    messageId: messageIdSchema,
    status: z
      .enum(messageStates)
      .describe(
        '`accepted` on the first answer; a replay after the first answer expired shows the current state.',
      ),
    encoding: encodingSchema,
    parts: partsSchema,
    statusUrl: z.string().describe('GET it for the message record.'),
  })
  .meta({ id: 'Accepted' });

export const dryRunResponseSchema = z
  .object({
    dryRun: z.literal(true),
    subAccount: z.string(),
    encoding: encodingSchema,
    parts: partsSchema,
    units: z
      .int()
      .nonnegative()
      .describe('GSM 7-bit septets (GSM7) or UTF-16 code units (UCS2) of the text.'),
    maxParts: z.int().positive().describe('The most parts this sub-account accepts.'),
  })
  .meta({ id: 'DryRun' });

/** What the handler checks before looking at the items: each item is then validated on its own. */
export const batchEnvelopeSchema = z.strictObject(
  {
    messages: z
      .array(z.unknown(), { error: 'must be an array of send requests' })
      .min(1, { error: 'must hold at least one send request' })
      .max(apiLimits.maxBatchItems, { error: `must hold at most ${apiLimits.maxBatchItems} send requests` }),
  },
  {
    error: (issue) =>
      issue.code === 'invalid_type'
        ? 'must be a JSON object: { "messages": [ <send request>, … ] }'
        : undefined,
  },
);

/** The batch request as documented: each item a send request, validated on its own. */
export const batchRequestSchema = z
  .strictObject({
    messages: z
      .array(sendRequestSchema)
      .min(1)
      .max(apiLimits.maxBatchItems)
      .describe(
        'Each item is validated on its own: a bad item is reported in its result and does not stop the others.',
      ),
  })
  .meta({ id: 'BatchRequest' });

const batchIndexSchema = z.int().nonnegative().describe('The item’s position in `messages`.');

export const batchItemResultSchema = z
  .discriminatedUnion('result', [
    z
      .object({
        index: batchIndexSchema,
        result: z.literal('accepted'),
        ...acceptedResponseSchema.shape,
        replayed: z
          .boolean()
          .optional()
          .describe('true: an earlier request with the same idempotencyKey made it.'),
      })
      .describe('Recorded and queued.'),
    z
      .object({
        index: batchIndexSchema,
        result: z.literal('rejected'),
        code: z.enum([
          apiErrorCodes.invalidRequest,
          apiErrorCodes.destinationOptedOut,
          apiErrorCodes.idempotencyKeyReused,
          apiErrorCodes.rateLimited,
        ]),
        error: z.string(),
        errors: z.array(fieldErrorSchema).optional(),
        messageId: messageIdSchema.optional(),
        retryAfterSeconds: z
          .int()
          .positive()
          .optional()
          .describe('For rate_limited: the item may be sent again after this many seconds.'),
      })
      .describe(
        'Invalid, its number opted out (destination_opted_out), its idempotencyKey was used for a ' +
          'different request: fix it before sending again; or over a velocity limit (rate_limited): send it ' +
          'again after retryAfterSeconds.',
      ),
    z
      .object({
        index: batchIndexSchema,
        result: z.literal('failed'),
        code: z.enum([apiErrorCodes.queueUnavailable, apiErrorCodes.storageUnavailable]),
        error: z.string(),
        retryable: z.boolean(),
        messageId: messageIdSchema.optional(),
      })
      .describe('Not queued because of a fault on our side; retryable items may be sent again as they are.'),
    z
      .object({
        index: batchIndexSchema,
        result: z.literal('valid'),
        ...dryRunResponseSchema.omit({ dryRun: true }).shape,
      })
      .describe('Dry run: valid, nothing written or sent.'),
  ])
  .meta({ id: 'BatchItemResult' });

export const batchResponseSchema = z
  .object({
    dryRun: z.boolean(),
    accepted: z.int().nonnegative(),
    rejected: z.int().nonnegative(),
    failed: z.int().nonnegative(),
    results: z.array(batchItemResultSchema).describe('One per item, in the order sent.'),
  })
  .meta({ id: 'BatchResponse' });

export const messagePartSchema = z
  .looseObject({
    partNumber: z.int().positive().describe('1-based.'),
    status: z.enum(messageStates),
    smscMessageId: z.string().optional().describe('8x8’s id for this part.'),
    submittedAt: epochMsSchema.optional(),
    smppCommandStatus: z.int().optional().describe('The last refusal 8x8 answered this part with.'),
    smppCommandStatusName: z.string().optional(),
    receiptStatus: z.string().optional().describe('The last receipt’s stat, e.g. DELIVRD.'),
    receiptErrorCode: z.string().optional().describe('The last receipt’s err.'),
    receiptAt: epochMsSchema.optional(),
    inDoubt: z.boolean().optional().describe('It may have reached 8x8 twice, or not at all.'),
  })
  .meta({ id: 'MessagePart' });

/**
 * The message record as GET /messages/{id} answers it (DESIGN.md contract 2): what the API recorded on
 * accept and what the worker added since (core/messageRecord.ts), without bookkeeping.
 */
export const messageRecordSchema = z
  .looseObject({
    messageId: messageIdSchema,
    subAccount: z.string(),
    to: z.string().optional().describe('E.164.'),
    from: z.string().optional(),
    text: z.string().optional().describe('As sent (records made from SQS messages may not keep it).'),
    encoding: encodingSchema.optional(),
    totalParts: partsSchema.optional(),
    status: z.enum(messageStates),
    parts: z.array(messagePartSchema).describe('Per part, once a worker has taken the message ([] before).'),
    registeredDelivery: z.boolean().optional(),
    validityPeriod: z.int().optional(),
    clientReference: z.string().optional(),
    context: z.record(z.string(), z.string()).optional(),
    idempotencyKey: z.string().optional(),
    reason: z
      .string()
      .optional()
      .describe(
        'Why it failed: the final state, or for a request never sent `validation`, `idempotency-conflict`, ' +
          '`blocked-destination`, `opted-out` (state `failed`) or `expired-before-submit` (state `expired`: its ' +
          'validity period, counted from acceptance, ran out first).',
      ),
    errorCode: z
      .string()
      .optional()
      .describe(
        'The SMPP status name (ESME_RINVDSTADR), the receipt’s err, VALIDATION or RETRIES_EXHAUSTED.',
      ),
    errorDescription: z.string().optional(),
    smppCommandStatus: z.int().optional(),
    smppCommandStatusName: z.string().optional(),
    validationErrors: z.array(fieldErrorSchema).optional(),
    inDoubt: z.boolean().optional().describe('Some part may have been sent twice, or not at all.'),
    inDoubtReasons: z.array(z.string()).optional(),
    correlationId: z.string().optional().describe('The API request id that accepted it.'),
    createdAt: epochMsSchema,
    updatedAt: epochMsSchema,
    submittedAt: epochMsSchema.optional(),
    finalAt: epochMsSchema.optional(),
    expiresAt: z.int().optional().describe('Epoch seconds after which the record is deleted.'),
  })
  .meta({ id: 'MessageRecord' });

export const suppressionSchema = z
  .object({
    subAccount: z.string(),
    phoneNumber: z.string().describe('E.164.'),
    source: z
      .enum(optOutSources)
      .describe('`inbound-keyword`: the handset replied a stop keyword; `api`: PUT /suppressions/{number}.'),
    optedOutAt: epochMsSchema,
    keyword: z.string().optional().describe('The stop keyword, for `inbound-keyword`.'),
    inboundMessageId: z.string().optional().describe('The inbound message that carried it.'),
  })
  .meta({ id: 'Suppression' });

export const suppressionResponseSchema = z
  .object({
    suppressed: z.boolean().describe('Whether the number is on the list after this request.'),
    suppression: suppressionSchema
      .optional()
      .describe('The entry (for DELETE: the one removed). The first opt-out stands: a second PUT keeps it.'),
  })
  .meta({ id: 'SuppressionAnswer' });

export type FieldErrorBody = z.output<typeof fieldErrorSchema>;
export type ErrorResponse = z.output<typeof errorResponseSchema>;
export type AcceptedResponse = z.output<typeof acceptedResponseSchema>;
export type DryRunResponse = z.output<typeof dryRunResponseSchema>;
export type BatchItemResult = z.output<typeof batchItemResultSchema>;
export type BatchResponse = z.output<typeof batchResponseSchema>;
export type MessageRecord = z.output<typeof messageRecordSchema>;
export type SuppressionResponse = z.output<typeof suppressionResponseSchema>;

type JsonObject = Record<string, unknown>;

const componentRef = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const jsonContent = (id: string) => ({ 'application/json': { schema: componentRef(id) } });
const errorAnswer = (description: string) => ({ description, content: jsonContent('Error') });

/** Request bodies are schemas as a producer writes them (`io: input`); answers as the API writes them. */
function componentSchemas(): Record<string, JsonObject> {
  const requests = z.registry<{ id: string }>();
  requests.add(sendRequestSchema, { id: 'SendRequest' });
  requests.add(batchRequestSchema, { id: 'BatchRequest' });
  const responses = z.registry<{ id: string }>();
  for (const schema of [
    fieldErrorSchema,
    errorResponseSchema,
    acceptedResponseSchema,
    dryRunResponseSchema,
    batchItemResultSchema,
    batchResponseSchema,
    messagePartSchema,
    messageRecordSchema,
    suppressionSchema,
    suppressionResponseSchema,
  ]) {
    const id = schema.meta()?.id;
    if (typeof id === 'string') responses.add(schema, { id });
  }
  const uri = (id: string) => `#/components/schemas/${id}`;
  const generated = {
    ...(z.toJSONSchema(requests, { target: 'openapi-3.0', io: 'input', uri }).schemas as Record<
      string,
      JsonObject
    >),
    ...(z.toJSONSchema(responses, { target: 'openapi-3.0', io: 'output', uri }).schemas as Record<
      string,
      JsonObject
    >),
  };
  // OpenAPI 3.0 has no $id; components are addressed by their key.
  return Object.fromEntries(
    Object.entries(generated).map(([id, { $id: _id, ...schema }]) => [id, schema]),
  ) as Record<string, JsonObject>;
}

export interface OpenApiDocumentOptions {
  /** The API's base URL, for `servers`. @default none (tools then use the document's own origin) */
  serverUrl?: string;
}

/** The OpenAPI 3.0 document of the HTTP API, from the same schemas the handlers use. */
export function openApiDocument(options: OpenApiDocumentOptions = {}): JsonObject {
  const idempotencyKeyParameter = {
    name: idempotencyKeyHeader,
    in: 'header',
    required: false,
    description:
      'Same as the body field `idempotencyKey` (give one or the other, or both the same). The same key with the ' +
      'same body answers the first answer again; with a different body, 409.',
    schema: { type: 'string', pattern: '^[\\x21-\\x7E]{1,128}$' },
  };
  const dryRunParameter = {
    name: 'dryRun',
    in: 'query',
    required: false,
    description: 'true: validate and answer encoding and parts; nothing is recorded or sent.',
    schema: { type: 'boolean', default: false },
  };
  const common = {
    '400': errorAnswer(
      'The request is invalid: `errors` lists every bad field, including a `to` its sub-account’s country ' +
        'rules refuse.',
    ),
    '413': errorAnswer('The body is too large.'),
    '415': errorAnswer('The body is not JSON (send Content-Type: application/json).'),
    '500': errorAnswer('A fault on our side.'),
  };
  return {
    openapi: '3.0.3',
    info: {
      title: 'smpp-fleet send API',
      version: '1',
      description:
        'Send SMS through 8x8 over SMPP. A send request is the same JSON whether it comes through this API or ' +
        'straight into the sub-account’s SQS queue. Every error answer is JSON with `error` and `code`.',
    },
    ...(options.serverUrl === undefined ? {} : { servers: [{ url: options.serverUrl }] }),
    paths: {
      [apiOperations.postMessage.path]: {
        post: {
          operationId: 'postMessage',
          summary: 'Send one SMS',
          parameters: [idempotencyKeyParameter, dryRunParameter],
          requestBody: { required: true, content: jsonContent('SendRequest') },
          responses: {
            '200': { description: 'Dry run: the request is valid.', content: jsonContent('DryRun') },
            '202': {
              description: 'Recorded and queued. `Location` is the status URL.',
              headers: {
                Location: { schema: { type: 'string' } },
                [idempotentReplayedHeader]: {
                  description: 'true when this repeats the answer to an earlier request with the same key.',
                  schema: { type: 'string', enum: ['true'] },
                },
              },
              content: jsonContent('Accepted'),
            },
            ...common,
            '409': errorAnswer(
              'idempotency_key_reused: the key was used for a different request; idempotency_request_in_progress: ' +
                'the first request with this key is still being handled (retry shortly).',
            ),
            '429': {
              ...errorAnswer(
                'rate_limited: over one of the sub-account’s velocity limits (named in `errors`); nothing was ' +
                  'recorded or sent. Send it again after Retry-After seconds.',
              ),
              headers: { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer' } } },
            },
            '503': errorAnswer('Queueing or storage failed: retry the same request (retryable: true).'),
          },
        },
      },
      [apiOperations.postMessageBatch.path]: {
        post: {
          operationId: 'postMessageBatch',
          summary: `Send up to ${apiLimits.maxBatchItems} SMS, each with its own result`,
          parameters: [dryRunParameter],
          requestBody: { required: true, content: jsonContent('BatchRequest') },
          responses: {
            '200': {
              description:
                'One result per item, in order: accepted, rejected, failed (retryable) or valid (dry run). ' +
                'Items over a velocity limit are rejected with rate_limited and retryAfterSeconds; the ' +
                'others go on. `Retry-After` is then the longest of those waits.',
              headers: {
                'Retry-After': {
                  description: 'Set when some item was rate_limited: seconds until all of them may be sent.',
                  schema: { type: 'integer' },
                },
              },
              content: jsonContent('BatchResponse'),
            },
            ...common,
          },
        },
      },
      [apiOperations.getMessage.path]: {
        get: {
          operationId: 'getMessage',
          summary: 'A message’s record: state, parts, receipts, timestamps',
          parameters: [
            {
              name: 'id',
              in: 'path',
              required: true,
              schema: { type: 'string', pattern: messageIdPattern.source },
            },
          ],
          responses: {
            '200': { description: 'The record.', content: jsonContent('MessageRecord') },
            '400': errorAnswer('The id is not a message id.'),
            '404': errorAnswer('No message has this id.'),
            '503': errorAnswer('Storage is unavailable: retry.'),
          },
        },
      },
      [apiOperations.getSuppression.path]: suppressionPaths(),
      [apiOperations.getOpenApi.path]: {
        get: {
          operationId: 'getOpenApi',
          summary: 'This document',
          responses: { '200': { description: 'OpenAPI 3.0', content: { 'application/json': {} } } },
        },
      },
      [apiOperations.getStatusPage.path]: {
        get: {
          operationId: 'getStatusPage',
          summary: 'The live status page, for a browser: bind slots, rates, queues, workers, latest messages',
          description:
            'One HTML page that polls status.json beside it every second. With IAM auth a browser cannot sign ' +
            'its requests: open it through `npm run status-proxy` (README).',
          responses: { '200': { description: 'The page.', content: { 'text/html': {} } } },
        },
      },
      [apiOperations.getStatus.path]: {
        get: {
          operationId: 'getStatus',
          summary: 'The fleet’s status as JSON (what the status page shows)',
          description:
            'Bind slots and their holders per sub-account, each bind’s state and submit rate, workers, send ' +
            'queue and DLQ depths, and the latest accepted messages with their parts and receipts. ' +
            '`messageCounts` counts those latest messages by state, not every record. A source that could ' +
            'not be read is named in `problems`; the rest is still answered.',
          responses: {
            '200': {
              description: 'The view (core/fleetStatusView.ts FleetStatusView).',
              content: { 'application/json': {} },
            },
            '500': errorAnswer('A fault on our side.'),
          },
        },
      },
    },
    components: { schemas: componentSchemas() },
  };
}

/** GET, PUT and DELETE /suppressions/{number}: one sub-account's suppression list, a number at a time. */
function suppressionPaths(): JsonObject {
  const parameters = [
    {
      name: 'number',
      in: 'path',
      required: true,
      description:
        'E.164, with its + (percent-encoded as %2B, or as written: API Gateway passes it through).',
      schema: { type: 'string', pattern: '^(\\+|%2[Bb])[1-9][0-9]{7,14}$' },
    },
    {
      name: 'subAccount',
      in: 'query',
      required: true,
      description: 'Whose list: a sub-account with `optOuts` in the fleet config.',
      schema: { type: 'string' },
    },
  ];
  const common = {
    '400': errorAnswer(
      'A bad number or sub-account, or a sub-account without `optOuts` (it keeps no list): `errors` names it.',
    ),
    '503': errorAnswer('Storage is unavailable: retry (the same request does the same thing).'),
  };
  const answer = (description: string) => ({ description, content: jsonContent('SuppressionAnswer') });
  return {
    get: {
      operationId: 'getSuppression',
      summary: 'Whether a number is on a sub-account’s suppression list, and since when',
      parameters,
      responses: {
        '200': answer('On the list: `suppression` says since when and how.'),
        '404': errorAnswer('suppression_not_found: not on the list; messages to it are sent.'),
        ...common,
      },
    },
    put: {
      operationId: 'putSuppression',
      summary: 'Put a number on the list: sends to it are refused (400 destination_opted_out, SQS opted-out)',
      description: 'Publishes `SMS Opted Out` (source `api`) when the number was not on the list.',
      parameters,
      responses: {
        '200': answer('It was on the list already: the first opt-out stands.'),
        '201': answer('Put on the list.'),
        ...common,
      },
    },
    delete: {
      operationId: 'deleteSuppression',
      summary: 'Take a number off the list (the handset opted in again): sends to it are allowed',
      parameters,
      responses: {
        '200': answer('Taken off the list: `suppression` is what was removed.'),
        '404': errorAnswer('suppression_not_found: it was not on the list.'),
        ...common,
      },
    },
  };
}

/**
 * Self-contained JSON Schemas (draft-4, as API Gateway models take them) of the request bodies. The batch
 * model checks only the envelope: per-item validation is the handler's, so one bad item cannot sink the rest.
 */
export function apiRequestModels(): { sendRequest: JsonObject; batchRequest: JsonObject } {
  return {
    sendRequest: z.toJSONSchema(sendRequestSchema, { target: 'draft-4', io: 'input' }) as JsonObject,
    batchRequest: {
      $schema: 'http://json-schema.org/draft-04/schema#',
      type: 'object',
      properties: {
        messages: {
          type: 'array',
          minItems: 1,
          maxItems: apiLimits.maxBatchItems,
          items: { type: 'object' },
        },
      },
      required: ['messages'],
      additionalProperties: false,
    },
  };
}
