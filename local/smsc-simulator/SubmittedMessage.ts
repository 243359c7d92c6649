/** One accepted submit_sm as it reached the simulator, for tests to assert on. */
import type { ConcatInfo, ShortMessageEncoding } from './codec/shortMessage.js';
import type { OutcomeKind } from './options.js';

export interface SubmittedMessage {
  /** The message_id sent in submit_sm_resp (a UUID). */
  readonly messageId: string;
  readonly systemId: string;
  readonly bindId: string;
  readonly sequenceNumber: number;
  readonly serviceType: string;
  readonly source: string;
  readonly sourceTon: number;
  readonly sourceNpi: number;
  readonly destination: string;
  readonly destTon: number;
  readonly destNpi: number;
  readonly esmClass: number;
  readonly dataCoding: number;
  readonly registeredDelivery: number;
  /** validity_period as received ('' when absent): SMPP 3.4 absolute `YYMMDDhhmmsstnnp` or relative `…R`. */
  readonly validityPeriod: string;
  /** short_message exactly as received, UDH included. */
  readonly shortMessage: Buffer;
  /** The message_payload TLV, when sent. */
  readonly messagePayload: Buffer | undefined;
  /** The UDH (esm_class 0x40), length octet included. */
  readonly udh: Buffer | undefined;
  readonly concat: ConcatInfo | undefined;
  /** How data_coding was read (codec/shortMessage.ts: SMPP 3.4 values; others are BINARY). */
  readonly encoding: ShortMessageEncoding;
  /** The decoded text, UDH stripped; undefined for BINARY. */
  readonly text: string | undefined;
  /** `now()` when the PDU arrived, epoch ms. */
  readonly arrivedAt: number;
  readonly outcome: OutcomeKind;
  readonly receiptRequested: boolean;
  /** The submit_sm_resp was never sent (missingRespRate fault). */
  readonly respWithheld: boolean;
}
