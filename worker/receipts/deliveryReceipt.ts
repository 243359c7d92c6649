/**
 * Delivery receipts: the receipt text of SMPP 3.4 Appendix B as 8x8 and others write it, the standard
 * receipt TLVs and 8x8's vendor TLVs, turned into one plain `DeliveryReceipt`. Nothing here throws: a
 * receipt we cannot read is a result the caller records, never a crash on the receive path.
 *
 * Assumptions, since SMSCs differ and 8x8 documents little:
 * - Receipt dates carry no time zone; they are read as UTC, and YY as 20YY (receipts are at most days old).
 * - `receipted_message_id` / `message_state` TLVs win over the text when both are present: they are typed
 *   fields, the text is free-form (and its id is truncated to 10 characters by some SMSCs).
 * - 8x8 vendor TLVs: 0x1502 is its 36-character message UUID (not NUL-terminated); 0x1503 the destination
 *   MCC; the MNC is assumed to be the next tag, 0x1504. MCC/MNC are read as ASCII digits, or as a
 *   big-endian number when the bytes are not digits (an MNC read that way loses a leading zero).
 */
import type { DeliverSm } from '../smpp/types.js';
import { normaliseSmscMessageId, type SmscIdFormat } from './smscMessageId.js';

export const receiptStates = [
  'enroute',
  'delivered',
  'expired',
  'deleted',
  'undeliverable',
  'accepted',
  'unknown',
  'rejected',
] as const;
export type ReceiptState = (typeof receiptStates)[number];

/** 8x8 sends ACCEPTD and ENROUTE while the carrier still works on the message; every other state is final. */
export function isFinalReceiptState(state: ReceiptState): boolean {
  return state !== 'accepted' && state !== 'enroute';
}

const stateOfStat: Readonly<Record<string, ReceiptState>> = {
  DELIVRD: 'delivered',
  EXPIRED: 'expired',
  DELETED: 'deleted',
  UNDELIV: 'undeliverable',
  ACCEPTD: 'accepted',
  UNKNOWN: 'unknown',
  REJECTD: 'rejected',
  ENROUTE: 'enroute',
  // Spelled out by some gateways.
  DELIVERED: 'delivered',
  UNDELIVERABLE: 'undeliverable',
  ACCEPTED: 'accepted',
  REJECTED: 'rejected',
};

/** The state a receipt's `stat:` value names (case-insensitive), or undefined for a value we do not know. */
export function receiptStateOfStat(stat: string): ReceiptState | undefined {
  return stateOfStat[stat.trim().toUpperCase()];
}

/** The state of a message_state TLV (SMPP 3.4: 1 ENROUTE … 8 REJECTED), or undefined outside 1–8. */
export function receiptStateOfMessageState(value: number): ReceiptState | undefined {
  return Number.isInteger(value) && value >= 1 && value <= 8 ? receiptStates[value - 1] : undefined;
}

/** The fields of a receipt text. Dates are ISO 8601 strings in UTC. */
export interface ReceiptTextFields {
  id: string;
  /** The `stat:` value as written, upper-cased. */
  stat: string;
  state: ReceiptState;
  /** `sub:` — parts submitted. */
  submitted?: number;
  /** `dlvrd:` — parts delivered. */
  delivered?: number;
  submitDate?: string;
  doneDate?: string;
  /** `err:` as written (3 or 4 digits, "000" when there is no error). */
  err?: string;
  /** `Text:` — the start of the original message, verbatim to the end of the receipt. */
  text?: string;
  /** Keys this parser does not know (lower-cased), with their values. */
  extra: Record<string, string>;
}

export type ReceiptTextResult = { ok: true; fields: ReceiptTextFields } | { ok: false; reason: string };

/** Whatever the text held, before deciding whether it is a whole receipt. */
type PartialFields = Partial<Omit<ReceiptTextFields, 'extra'>> & { extra: Record<string, string> };

// A key starts the text or follows whitespace; "submit date" and "done date" are the two-word keys.
const keyPattern = /(?<=^|\s)(submit[ _]+date|done[ _]+date|[a-z][a-z0-9_]*)\s*:/gi;

const canonicalKey = (key: string): string => key.toLowerCase().replace(/[ _]+/g, ' ');

function scanReceiptText(text: string): PartialFields {
  const fields: PartialFields = { extra: {} };
  const matches = [...text.matchAll(keyPattern)];
  for (let i = 0; i < matches.length; i += 1) {
    const match = matches[i]!;
    const key = canonicalKey(match[1]!);
    const valueStart = match.index + match[0].length;
    if (key === 'text') {
      // Rest of the receipt, whatever it holds: it is the user's own message text.
      fields.text ??= text.slice(valueStart);
      break;
    }
    const value = text.slice(valueStart, matches[i + 1]?.index ?? text.length).trim();
    assignField(fields, key, value);
  }
  return fields;
}

function assignField(fields: PartialFields, key: string, value: string): void {
  // The first occurrence of a key wins; a repeated key is noise, not an update.
  switch (key) {
    case 'id': {
      // An id is one token (SMPP 3.4 appendix B): what follows it before the next key is noise.
      const id = value.split(/\s/, 1)[0] ?? '';
      if (id !== '') fields.id ??= id;
      return;
    }
    case 'stat': {
      const state = receiptStateOfStat(value);
      if (fields.stat === undefined && value !== '') {
        fields.stat = value.toUpperCase();
        if (state) fields.state = state;
      }
      return;
    }
    case 'sub':
      fields.submitted ??= countOf(value);
      return;
    case 'dlvrd':
      fields.delivered ??= countOf(value);
      return;
    case 'submit date':
      fields.submitDate ??= receiptDateToIso(value);
      return;
    case 'done date':
      fields.doneDate ??= receiptDateToIso(value);
      return;
    case 'err':
      if (value !== '') fields.err ??= value;
      return;
    default:
      if (!(key in fields.extra)) fields.extra[key] = value;
  }
}

const countOf = (value: string): number | undefined => (/^\d{1,10}$/.test(value) ? Number(value) : undefined);

/** YYMMDDhhmm or YYMMDDhhmmss → ISO 8601 in UTC (see the assumptions at the top); undefined if not a date. */
export function receiptDateToIso(value: string): string | undefined {
  const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?$/.exec(value);
  if (!m) return undefined;
  const part = (index: number): number => Number(m[index] ?? 0);
  const [year, month, day, hour, minute, second] = [
    2000 + part(1),
    part(2),
    part(3),
    part(4),
    part(5),
    part(6),
  ];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Date.UTC rolls 31 Feb over into March; a receipt date that rolls over is not a date.
  const exact =
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second;
  return exact ? date.toISOString() : undefined;
}

/**
 * Parses a receipt text (`id:… sub:… dlvrd:… submit date:… done date:… stat:… err:… Text:…`) as key:value
 * tokens in any order, keys case-insensitive. It needs `id` and a known `stat`; everything else is optional.
 */
export function parseReceiptText(text: string): ReceiptTextResult {
  const fields = scanReceiptText(text.replace(/\0+$/, ''));
  if (fields.id === undefined) return { ok: false, reason: 'receipt text has no id' };
  if (fields.stat === undefined) return { ok: false, reason: 'receipt text has no stat' };
  if (fields.state === undefined)
    return { ok: false, reason: `receipt text has an unknown stat "${fields.stat}"` };
  return { ok: true, fields: { ...fields, id: fields.id, stat: fields.stat, state: fields.state } };
}

export interface DeliveryReceipt {
  /** The id to correlate with submit_sm_resp, in canonical form (see smscMessageId.ts). */
  smscMessageId: string;
  /** The id exactly as the SMSC sent it (TLV, else text). */
  rawMessageId: string;
  state: ReceiptState;
  /** False for ACCEPTD/ENROUTE: a later receipt will follow. */
  final: boolean;
  /** `err:` without leading zeros ("0" for none), matching 8x8's error code table. */
  errorCode?: string;
  /** network_error_code TLV: network type (3 = GSM) and its error code. */
  networkError?: { type: number; code: number };
  submitDate?: string;
  doneDate?: string;
  submitted?: number;
  delivered?: number;
  /** 8x8's message UUID (TLV 0x1502), lower-cased. */
  vendorMessageId?: string;
  /** Destination MCC (8x8 TLV 0x1503). */
  mcc?: string;
  /** Destination MNC (assumed 8x8 TLV 0x1504; sent on delivered receipts). */
  mnc?: string;
  /** Where id and state came from: TLVs only, text only, or both. */
  source: 'tlv' | 'text' | 'tlv+text';
}

export type DeliveryReceiptResult = { ok: true; receipt: DeliveryReceipt } | { ok: false; reason: string };

export const vendorTlvTags = { messageId: 0x1502, mcc: 0x1503, mnc: 0x1504 } as const;

/** Receipt text is ASCII in practice; UCS-2 (data_coding 8) is decoded for the SMSCs that send it that way. */
function receiptTextOf(deliverSm: DeliverSm): string {
  const bytes =
    deliverSm.shortMessage.length > 0
      ? deliverSm.shortMessage
      : (deliverSm.messagePayload ?? Buffer.alloc(0));
  if (deliverSm.dataCoding === 8 && bytes.length % 2 === 0) {
    return Buffer.from(bytes).swap16().toString('utf16le');
  }
  return bytes.toString('latin1');
}

const asciiOf = (bytes: Buffer): string => bytes.toString('latin1').replaceAll('\0', '').trim();

function digitsOf(bytes: Buffer | undefined): string | undefined {
  if (!bytes || bytes.length === 0) return undefined;
  const text = asciiOf(bytes);
  if (/^\d+$/.test(text)) return text;
  return bytes.length <= 4 ? String(bytes.readUIntBE(0, bytes.length)) : undefined;
}

function networkErrorOf(bytes: Buffer | undefined): DeliveryReceipt['networkError'] {
  return bytes?.length === 3 ? { type: bytes.readUInt8(0), code: bytes.readUInt16BE(1) } : undefined;
}

const errorCodeOf = (err: string): string => (/^\d+$/.test(err) ? err.replace(/^0+(?=.)/, '') : err);

/**
 * A receipt deliver_sm as a `DeliveryReceipt`. `idFormat` says how the SMSC writes the id in its receipts
 * (the TLV when it sends one, else the text). TLVs win over the text; the text still supplies dates, counts
 * and err.
 */
export function toDeliveryReceipt(
  deliverSm: DeliverSm,
  idFormat: SmscIdFormat = 'text',
): DeliveryReceiptResult {
  const text = receiptTextOf(deliverSm).replace(/\0+$/, '');
  const fromText = scanReceiptText(text);
  const tlvId = deliverSm.receiptedMessageId?.replaceAll('\0', '').trim() || undefined;
  const tlvState =
    deliverSm.messageState === undefined ? undefined : receiptStateOfMessageState(deliverSm.messageState);

  const rawMessageId = tlvId ?? fromText.id;
  if (rawMessageId === undefined) {
    return {
      ok: false,
      reason: 'receipt has no message id (no receipted_message_id TLV, no id in the text)',
    };
  }
  const state = tlvState ?? fromText.state;
  if (state === undefined) {
    const stat = fromText.stat === undefined ? 'no stat' : `an unknown stat "${fromText.stat}"`;
    const tlv =
      deliverSm.messageState === undefined
        ? 'no message_state TLV'
        : `message_state ${deliverSm.messageState}`;
    return { ok: false, reason: `receipt has no usable state (${tlv}, ${stat} in the text)` };
  }

  const textUsed =
    tlvId === undefined ||
    tlvState === undefined ||
    [
      fromText.id,
      fromText.stat,
      fromText.submitDate,
      fromText.doneDate,
      fromText.err,
      fromText.submitted,
    ].some((v) => v !== undefined);
  const tlvUsed = tlvId !== undefined || tlvState !== undefined;
  const source = tlvUsed ? (textUsed ? 'tlv+text' : 'tlv') : 'text';

  const vendorId = deliverSm.vendorTlvs[vendorTlvTags.messageId];
  const vendorMessageId =
    vendorId && asciiOf(vendorId) !== '' ? normaliseSmscMessageId(asciiOf(vendorId)) : undefined;
  const mcc = digitsOf(deliverSm.vendorTlvs[vendorTlvTags.mcc]);
  const mnc = digitsOf(deliverSm.vendorTlvs[vendorTlvTags.mnc]);
  const networkError = networkErrorOf(deliverSm.networkErrorCode);

  const receipt: DeliveryReceipt = {
    smscMessageId: normaliseSmscMessageId(rawMessageId, idFormat),
    rawMessageId,
    state,
    final: isFinalReceiptState(state),
    source,
    ...(fromText.err === undefined ? {} : { errorCode: errorCodeOf(fromText.err) }),
    ...(networkError ? { networkError } : {}),
    ...(fromText.submitDate === undefined ? {} : { submitDate: fromText.submitDate }),
    ...(fromText.doneDate === undefined ? {} : { doneDate: fromText.doneDate }),
    ...(fromText.submitted === undefined ? {} : { submitted: fromText.submitted }),
    ...(fromText.delivered === undefined ? {} : { delivered: fromText.delivered }),
    ...(vendorMessageId === undefined ? {} : { vendorMessageId }),
    ...(mcc === undefined ? {} : { mcc }),
    ...(mnc === undefined ? {} : { mnc }),
  };
  return { ok: true, receipt };
}
