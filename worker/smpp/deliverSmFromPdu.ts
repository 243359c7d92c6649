import type { SmppPdu } from '../../core/smpp/smppPackage.js';
import type { DeliverSm } from './types.js';

const asString = (value: unknown): string => (typeof value === 'string' ? value : '');
const asNumber = (value: unknown): number => (typeof value === 'number' ? value : 0);
const asBuffer = (value: unknown): Buffer | undefined => (Buffer.isBuffer(value) ? value : undefined);

/**
 * The package's parsed deliver_sm as plain values. TLVs the package does not know arrive as
 * numeric keys holding raw bytes (8x8's 0x1502 message UUID, 0x1503 MCC, …).
 */
export function deliverSmFromPdu(pdu: SmppPdu): DeliverSm {
  const vendorTlvs: Record<number, Buffer> = {};
  for (const [key, value] of Object.entries(pdu)) {
    const tag = Number(key);
    if (Number.isInteger(tag) && Buffer.isBuffer(value)) vendorTlvs[tag] = value;
  }
  const receiptedMessageId = pdu.receipted_message_id;
  const messageState = pdu.message_state;
  const networkErrorCode = asBuffer(pdu.network_error_code);
  const messagePayload = asBuffer(pdu.message_payload);
  return {
    sequenceNumber: pdu.sequence_number,
    serviceType: asString(pdu.service_type),
    sourceAddr: asString(pdu.source_addr),
    sourceAddrTon: asNumber(pdu.source_addr_ton),
    sourceAddrNpi: asNumber(pdu.source_addr_npi),
    destinationAddr: asString(pdu.destination_addr),
    destAddrTon: asNumber(pdu.dest_addr_ton),
    destAddrNpi: asNumber(pdu.dest_addr_npi),
    esmClass: asNumber(pdu.esm_class),
    dataCoding: asNumber(pdu.data_coding),
    shortMessage: asBuffer(pdu.short_message) ?? Buffer.alloc(0),
    ...(typeof receiptedMessageId === 'string' ? { receiptedMessageId } : {}),
    ...(typeof messageState === 'number' ? { messageState } : {}),
    ...(networkErrorCode ? { networkErrorCode } : {}),
    ...(messagePayload ? { messagePayload } : {}),
    vendorTlvs,
  };
}
