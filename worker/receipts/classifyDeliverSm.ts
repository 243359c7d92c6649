/**
 * Decides what a deliver_sm is: a delivery receipt, an inbound (MO) message, or something we cannot use.
 * It never throws, so the receive path can always answer the SMSC.
 *
 * The message type is esm_class bits 5–2 (mask 0x3C). Receipt-kind types:
 * - 0x04 SMSC delivery receipt — what 8x8 sends;
 * - 0x20 intermediate delivery notification — a non-final receipt (e.g. ENROUTE) in the same format;
 * - 0x08 SME delivery acknowledgement — a receipt from the handset's side; SMSCs that send it use the same
 *   text format, and one that does not is reported as unparseable rather than mistaken for an MO message.
 * 0x00 (default) is an inbound message. Other types (manual/user acknowledgement, conversation abort) are
 * not something this platform handles and come back as unparseable.
 */
import { type DecodedShortMessage, decodeShortMessage } from '../../core/encoding/decodeShortMessage.js';
import type { DeliverSm } from '../smpp/types.js';
import { type DeliveryReceipt, toDeliveryReceipt } from './deliveryReceipt.js';
import type { SmscIdFormat } from './smscMessageId.js';

export const esmClassMessageTypeMask = 0x3c;

export const esmClassMessageTypes = {
  default: 0x00,
  smscDeliveryReceipt: 0x04,
  smeDeliveryAcknowledgement: 0x08,
  intermediateDeliveryNotification: 0x20,
} as const;

const receiptTypes: ReadonlySet<number> = new Set([
  esmClassMessageTypes.smscDeliveryReceipt,
  esmClassMessageTypes.smeDeliveryAcknowledgement,
  esmClassMessageTypes.intermediateDeliveryNotification,
]);

export interface InboundMessage {
  /** source_addr: the sender's number. */
  from: string;
  /** destination_addr: our number or sender id. */
  to: string;
  /** Decoded text; for BINARY, the payload as lower-case hex. */
  text: string;
  encoding: DecodedShortMessage['encoding'];
  /** Present when this is one part of a concatenated message; the caller joins the parts. */
  concat?: { reference: number; total: number; sequence: number };
  /** Present when part of the message was not well formed; says what and how it was read anyway. */
  malformed?: string;
}

export type DeliverSmClassification =
  | { kind: 'receipt'; receipt: DeliveryReceipt }
  | { kind: 'inbound'; message: InboundMessage }
  | { kind: 'unparseable'; reason: string };

export interface ClassifyDeliverSmOptions {
  /** How the SMSC writes message ids in receipts (configured per sub-account). */
  readonly receiptIdFormat: SmscIdFormat;
}

export function classifyDeliverSm(
  deliverSm: DeliverSm,
  options: ClassifyDeliverSmOptions,
): DeliverSmClassification {
  try {
    const messageType = deliverSm.esmClass & esmClassMessageTypeMask;
    if (receiptTypes.has(messageType)) {
      const result = toDeliveryReceipt(deliverSm, options.receiptIdFormat);
      return result.ok
        ? { kind: 'receipt', receipt: result.receipt }
        : { kind: 'unparseable', reason: result.reason };
    }
    if (messageType !== esmClassMessageTypes.default) {
      return {
        kind: 'unparseable',
        reason: `unsupported esm_class message type 0x${messageType.toString(16).padStart(2, '0')}`,
      };
    }
    return { kind: 'inbound', message: inboundMessageOf(deliverSm) };
  } catch (error) {
    // decodeShortMessage and the receipt path are meant not to throw; this keeps a bug there from
    // leaving a deliver_sm unanswered.
    return { kind: 'unparseable', reason: `could not read deliver_sm: ${describeError(error)}` };
  }
}

function inboundMessageOf(deliverSm: DeliverSm): InboundMessage {
  // Long MO messages may come in message_payload with an empty short_message.
  const shortMessage =
    deliverSm.shortMessage.length === 0 && deliverSm.messagePayload !== undefined
      ? deliverSm.messagePayload
      : deliverSm.shortMessage;
  const decoded = decodeShortMessage({
    dataCoding: deliverSm.dataCoding,
    esmClass: deliverSm.esmClass,
    shortMessage,
  });
  return {
    from: deliverSm.sourceAddr,
    to: deliverSm.destinationAddr,
    text: decoded.text,
    encoding: decoded.encoding,
    ...(decoded.concat ? { concat: decoded.concat } : {}),
    ...(decoded.malformed ? { malformed: decoded.malformed } : {}),
  };
}

const describeError = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);
