/** Plain value types shared by the SMPP session layer, the receipt path and the simulator. */

import type { BindMode } from '../../core/fleetConfig.js';

export { type BindMode, bindModes } from '../../core/fleetConfig.js';

/** The PDU command that opens a session in each mode. */
export const bindCommandOf = {
  transceiver: 'bind_transceiver',
  transmitter: 'bind_transmitter',
  receiver: 'bind_receiver',
} as const satisfies Record<BindMode, string>;

/** One submit_sm as the sending path builds it; message bytes are already encoded (core/encoding). */
export interface SubmitSmRequest {
  sourceAddr: string;
  sourceAddrTon: number;
  sourceAddrNpi: number;
  destinationAddr: string;
  destAddrTon: number;
  destAddrNpi: number;
  esmClass: number;
  dataCoding: number;
  shortMessage: Buffer;
  /** registered_delivery: 1 asks for a final receipt. */
  registeredDelivery: number;
  /** SMPP absolute or relative time string, or empty for the SMSC default. */
  validityPeriod?: string;
  serviceType?: string;
  /**
   * The message's priority lane (issue 14, docs/priority-lanes.md): a bind sends its queued `high` parts
   * ahead of `normal` ones, leaving normal its `normalShare`. Every part of one message carries the same lane.
   * @default 'normal'
   */
  lane?: 'high' | 'normal';
}

/** A deliver_sm from the SMSC as plain values: a receipt or a mobile-originated message. */
export interface DeliverSm {
  sequenceNumber: number;
  serviceType: string;
  sourceAddr: string;
  sourceAddrTon: number;
  sourceAddrNpi: number;
  destinationAddr: string;
  destAddrTon: number;
  destAddrNpi: number;
  esmClass: number;
  dataCoding: number;
  shortMessage: Buffer;
  /** Standard TLVs the receipt path uses, when the SMSC sent them. */
  receiptedMessageId?: string;
  messageState?: number;
  networkErrorCode?: Buffer;
  messagePayload?: Buffer;
  /** TLVs the package does not know (8x8's 0x1502 message UUID, 0x1503 MCC, …), by tag. */
  vendorTlvs: Record<number, Buffer>;
}
