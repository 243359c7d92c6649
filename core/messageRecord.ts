/**
 * The message record (DESIGN.md contract 2) as it is stored in the messages table under
 * `messageKey(messageId)`, and the correlation items under the SMSC id (core/tableKeys.ts). The one
 * definition of the stored item, for every writer and reader.
 *
 * Writers: the API writes a record in `accepted` (AcceptedMessageItem); the worker claims it (or creates it,
 * for a message put straight into SQS), fills in the rest and moves it on. Readers (GET
 * /messages/{id}) should read `status`, `parts[].smscMessageId`, `parts[].status`, `errorCode`, the
 * timestamps and `inDoubt`; `claim*` and `version` are bookkeeping.
 */
import type { FailureReason, MessageEncoding } from './events.js';
import type { FieldError } from './fieldErrors.js';
import { type MessageState, messageStates } from './messageState.js';
import type { ItemKey } from './tableKeys.js';

/** One SMS part: its own submit_sm, SMSC id and receipt. */
export interface PartRecord {
  /** 1-based, as in the UDH. */
  partNumber: number;
  /** submitting (not yet accepted by 8x8), submitted, or a final state from its receipt. */
  status: MessageState;
  /** The id 8x8 gave in submit_sm_resp, as it wrote it. */
  smscMessageId?: string;
  /** `normaliseSmscMessageId(smscMessageId, respIdFormat)`: the correlation key. */
  normalisedSmscMessageId?: string;
  submittedAt?: number;
  /** submit_sm sent for this part so far, over every attempt. */
  submitAttempts?: number;
  /** The last refusal (final or retryable) 8x8 answered this part with. */
  smppCommandStatus?: number;
  smppCommandStatusName?: string;
  /** The last receipt: its stat (DELIVRD …) and err. */
  receiptStatus?: string;
  receiptErrorCode?: string;
  receiptAt?: number;
  /** The part may have reached 8x8 more than once (or, at-most-once, not at all): why. */
  inDoubt?: boolean;
  inDoubtReason?: string;
  /** Ids learnt after the part was resent (a late submit_sm_resp): they correlate to this part too. */
  extraSmscMessageIds?: string[];
}

export interface MessageRecord {
  messageId: string;
  subAccount: string;
  to?: string;
  from?: string;
  clientReference?: string;
  idempotencyKey?: string;
  context?: Record<string, string>;
  registeredDelivery?: boolean;
  validityPeriod?: number;
  /** sha-256 of the request as first claimed: a reused idempotency key with another body is logged. */
  requestHash?: string;
  status: MessageState;
  encoding?: MessageEncoding;
  totalParts?: number;
  /** The UDH reference all parts share, kept so a resumed message uses the same one. */
  concatReference?: number;
  parts: PartRecord[];
  /** Why a final failure happened: the state, or `validation`. */
  reason?: FailureReason;
  /** The SMPP status name (ESME_RINVDSTADR), the receipt err, or `VALIDATION` / `RETRIES_EXHAUSTED`. */
  errorCode?: string;
  errorDescription?: string;
  smppCommandStatus?: number;
  smppCommandStatusName?: string;
  validationErrors?: FieldError[];
  /** Some part may have been sent twice (at-least-once) or not at all (at-most-once); see inDoubtReasons. */
  inDoubt?: boolean;
  inDoubtReasons?: string[];
  /** The worker attempt that holds the message (a random token), who it is, and until when (epoch ms; 0 = released). */
  claimToken?: string;
  claimOwner?: string;
  claimExpiresAtMs?: number;
  /** Claims so far. */
  attempts?: number;
  createdAt: number;
  updatedAt: number;
  submittedAt?: number;
  finalAt?: number;
  /** Grows on every write that changes the record (optimistic concurrency for receipts). */
  version: number;
  /** TTL, epoch seconds. */
  expiresAt?: number;
  /** The request's text, kept by the API only (the worker keeps none). */
  text?: string;
  /** The API Gateway request id (also sent as an SQS message attribute); API records only. */
  correlationId?: string;
  /** `api` on a record the API wrote first; absent on one the worker created from SQS. */
  source?: 'api';
  /** The acceptance-time index's partition (core/tableKeys.ts acceptedIndexAttributes); set once, never changed. */
  acceptedShard?: string;
}

/**
 * The record as the API first writes it: `accepted`, everything the request says, and no `parts` (the worker
 * splits the text itself when it claims it; GET answers `parts: []` meanwhile) nor `version` (0 when absent).
 */
export type AcceptedMessageItem = ItemKey &
  Omit<MessageRecord, 'parts' | 'version'> &
  Required<
    Pick<
      MessageRecord,
      | 'to'
      | 'from'
      | 'text'
      | 'encoding'
      | 'totalParts'
      | 'registeredDelivery'
      | 'context'
      | 'correlationId'
      | 'source'
      | 'acceptedShard'
      | 'expiresAt'
    >
  >;

/** A `SUBMIT` correlation item's payload: which message and part 8x8 gave this id to. */
export interface SubmitCorrelation {
  messageId: string;
  partNumber: number;
  totalParts: number;
  smscMessageId: string;
}

/** The stat a receipt state is written as in 8x8's receipt text, by worker/receipts/deliveryReceipt.ts ReceiptState. */
export const statOfReceiptState = {
  delivered: 'DELIVRD',
  expired: 'EXPIRED',
  deleted: 'DELETED',
  undeliverable: 'UNDELIV',
  rejected: 'REJECTD',
  unknown: 'UNKNOWN',
  accepted: 'ACCEPTD',
  enroute: 'ENROUTE',
} as const;

/** A receipt as kept on its correlation item when it came before its submission was recorded. */
export interface StoredReceipt {
  smscMessageId: string;
  rawMessageId: string;
  /** worker/receipts/deliveryReceipt.ts ReceiptState. */
  state: string;
  final: boolean;
  errorCode?: string;
  receivedAt: number;
  doneDate?: string;
  /** The receipt's source_addr (the handset) and destination_addr (the original sender). */
  sourceAddress?: string;
  destinationAddress?: string;
  /** Set once the "unmatched" event was published for it. */
  unmatchedPublishedAt?: number;
}

const isState = (value: unknown): value is MessageState =>
  typeof value === 'string' && (messageStates as readonly string[]).includes(value);

/**
 * A stored item as a MessageRecord. Tolerates records another writer (the API) started: missing
 * bookkeeping gets its neutral value. Returns undefined for an item that is not a message record.
 */
/** The receipt kept on a correlation item before its submission was recorded, if any. */
export function earlyReceiptOf(item: Record<string, unknown> | undefined): StoredReceipt | undefined {
  const receipt = item?.earlyReceipt as Partial<StoredReceipt> | undefined;
  if (typeof receipt !== 'object' || receipt === null) return undefined;
  if (typeof receipt.state !== 'string' || typeof receipt.smscMessageId !== 'string') return undefined;
  return receipt as StoredReceipt;
}

export function messageRecordFromItem(item: Record<string, unknown> | undefined): MessageRecord | undefined {
  if (item === undefined || typeof item.messageId !== 'string' || !isState(item.status)) return undefined;
  const parts = Array.isArray(item.parts) ? (item.parts as PartRecord[]) : [];
  // `pendingEvents`: the outbox records written before events came from the table's stream.
  const { pk: _pk, sk: _sk, pendingEvents: _published, ...rest } = item;
  return {
    ...(rest as unknown as MessageRecord),
    subAccount: typeof item.subAccount === 'string' ? item.subAccount : '',
    parts,
    version: typeof item.version === 'number' ? item.version : 0,
    createdAt: typeof item.createdAt === 'number' ? item.createdAt : 0,
    updatedAt: typeof item.updatedAt === 'number' ? item.updatedAt : 0,
  };
}

/** The SMSC ids of every part in part order, '' for a part 8x8 has not accepted (the events' shape). */
export function smscMessageIdsOf(record: Pick<MessageRecord, 'parts' | 'totalParts'>): string[] {
  const count = Math.max(record.totalParts ?? 0, record.parts.length);
  return Array.from({ length: count }, (_, index) => record.parts[index]?.smscMessageId ?? '');
}
