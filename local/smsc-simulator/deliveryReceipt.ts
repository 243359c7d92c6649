/** 8x8-style delivery receipt text and TLV values, as plain functions of plain values. */

/** What the handset side did with an accepted message, and how each shows in a receipt. */
export const receiptOutcomes = {
  delivered: { stat: 'DELIVRD', err: 0, dlvrd: 1, messageState: 2 },
  undeliverable: { stat: 'UNDELIV', err: 1, dlvrd: 0, messageState: 5 },
  expired: { stat: 'EXPIRED', err: 36, dlvrd: 0, messageState: 3 },
  rejected: { stat: 'REJECTD', err: 43, dlvrd: 0, messageState: 8 },
} as const;

export type ReceiptOutcome = keyof typeof receiptOutcomes;

/** Characters of the original text a receipt repeats after `Text:`. */
export const RECEIPT_TEXT_LENGTH = 20;

export interface ReceiptTextInput {
  readonly messageId: string;
  readonly submittedAt: number;
  readonly doneAt: number;
  readonly outcome: ReceiptOutcome;
  /** Overrides the outcome's usual `err`. */
  readonly err?: number;
  /** The start of the original text; undefined (UCS-2 or binary) leaves `Text:` empty. */
  readonly originalText: string | undefined;
}

/** `YYMMDDhhmm` in UTC (8x8 does not document the zone; the date carries no seconds, like 8x8's). */
export function formatReceiptDate(epochMs: number): string {
  const date = new Date(epochMs);
  const two = (n: number): string => String(n).padStart(2, '0');
  return (
    two(date.getUTCFullYear() % 100) +
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes())
  );
}

/**
 * The first 20 characters of the original text, kept ASCII so the receipt stays data_coding 0: a character
 * outside printable ASCII is written as `?`.
 */
export function receiptTextSnippet(originalText: string | undefined): string {
  if (originalText === undefined) return '';
  return Array.from(originalText)
    .slice(0, RECEIPT_TEXT_LENGTH)
    .map((char) => (/^[\x20-\x7e]$/.test(char) ? char : '?'))
    .join('');
}

/** `id:<id> sub:001 dlvrd:001 submit date:… done date:… stat:DELIVRD err:000 Text:…` */
export function formatReceiptText(input: ReceiptTextInput): string {
  const outcome = receiptOutcomes[input.outcome];
  const err = String(input.err ?? outcome.err).padStart(3, '0');
  return (
    `id:${input.messageId} sub:001 dlvrd:${String(outcome.dlvrd).padStart(3, '0')} ` +
    `submit date:${formatReceiptDate(input.submittedAt)} done date:${formatReceiptDate(input.doneAt)} ` +
    `stat:${outcome.stat} err:${err} Text:${receiptTextSnippet(input.originalText)}`
  );
}
