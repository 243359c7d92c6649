/**
 * deliver_sm → record → the deliver_sm_resp status, for one sub-account. SmppBind's `onDeliverSm` calls
 * `onDeliverSm`, and answers the SMSC with what it returns. Nothing here publishes: the messages table's
 * stream announces what is written (core/recordChangeEvents.ts), so 0 is answered once the write is durable.
 *
 * - receipt, matched to a submission: applied to its part and the message rolled up (the stream announces the
 *   change when the MESSAGE's state changes) → 0.
 * - receipt with no submission yet (it beat the submit_sm_resp, or it is not ours): kept on its SMSC id's
 *   correlation item → 0 (it is durable; the sending path gets it back when it records the submission on the
 *   same item, and applies it). If it is still
 *   unmatched `unmatchedGraceMs` later, an event item announces `SMS Delivery Receipt Unmatched` (below).
 * - inbound (MO) message: an event item announcing `SMS Inbound Message` → 0. When the sub-account keeps a
 *   suppression list and the whole text is a stop keyword, the sender is put on it first (its item
 *   announces `SMS Opted Out`).
 * - unparseable: kept with its raw bytes (an event item keyed by a hash of them) announcing
 *   `SMS Deliver Unreadable`, counted (UnreadableDeliverSm) → 0. Answering an error would make 8x8 send the
 *   same bytes again for up to 48 hours, and they would never parse better; answering 0 without keeping them
 *   would lose what came (a receipt its message then waits for in vain).
 * - any store failure: ESME_RX_T_APPN (0x64, temporary) so 8x8 redelivers it later.
 *
 * Duplicates (8x8 redelivers, or sends twice) change nothing the second time: the record already has the
 * state, and an event item is written once. Receipts for one SMSC id are handled one at a time in this process, and a
 * copy that arrives while the same receipt is being recorded joins that recording (no store calls of its
 * own, the same answer), so a store slow enough to draw redeliveries is not loaded further by them.
 *
 * Unmatched receipts: the early-receipt check runs once, `unmatchedGraceMs` after the receipt was kept, in
 * the process that kept it (a timer). A worker that stops or dies before then does not publish it; the
 * receipt stays on its correlation item (and still matches a submission recorded later).
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  deterministicEventId,
  eventTypes,
  type InboundDetail,
  inboundEventId,
  type UnreadableDetail,
} from '../../core/events.js';
import { errorAttributes, silentLog, type WorkerLog } from '../../core/log.js';
import { unmatchedReceiptEvent } from '../../core/messageEvents.js';
import { BackgroundTasks } from '../../core/runtime/BackgroundTasks.js';
import { CommandStatus } from '../../core/smpp/commandStatus.js';
import { phoneNumberOfAddress, stopKeywordOf } from '../../core/suppressions.js';
import type { SuppressionList } from '../guardrails/SuppressionList.js';
import type { MessageStore } from '../records/MessageStore.js';
import { KeyedSerialQueue } from '../runtime/KeyedSerialQueue.js';
import type { DeliverSm } from '../smpp/types.js';
import { classifyDeliverSm, type InboundMessage } from './classifyDeliverSm.js';
import type { DeliveryReceipt, ReceiptState } from './deliveryReceipt.js';
import { vendorTlvTags } from './deliveryReceipt.js';
import type { SmscIdFormat } from './smscMessageId.js';

export interface ReceiptRecorderOptions {
  subAccount: string;
  /** How 8x8 writes ids in this sub-account's receipts (fleet config `receiptIdFormat`). */
  receiptIdFormat: SmscIdFormat;
  store: MessageStore;
  /**
   * Opt-outs, when the sub-account keeps a suppression list: an inbound message whose whole text is one of
   * `stopKeywords` puts its sender on `list` (and the item's stream publishes SMS Opted Out) before the
   * deliver_sm is answered.
   */
  optOuts?: { stopKeywords: readonly string[]; list: SuppressionList };
  /** How long an early receipt waits for its submit before it is reported unmatched. @default 120_000 */
  unmatchedGraceMs?: number;
  /** The deliver_sm_resp status that asks the SMSC to try again later. @default ESME_RX_T_APPN (0x64) */
  temporaryErrorStatus?: number;
  /** Epoch ms. @default Date.now */
  now?: () => number;
  logger?: WorkerLog;
}

export type ReceiptOutcome =
  | 'applied'
  | 'duplicate'
  | 'stored-early'
  | 'orphaned'
  | 'inbound'
  | 'unparseable'
  | 'failed'
  | 'stopped';

/** What handling one receipt came to. */
interface Applied {
  outcome: ReceiptOutcome;
  receiptLagMs?: number;
}

export interface ReceiptRecorderEvents {
  /** One deliver_sm handled: what it was and what it was answered. */
  handled: [
    info: {
      outcome: ReceiptOutcome;
      commandStatus: number;
      durationMs: number;
      receiptState?: ReceiptState;
      /** For a receipt that changed its part: ms from the part's recorded submission to this receipt. */
      receiptLagMs?: number;
    },
  ];
  /** An early receipt stayed unmatched past the grace period and was announced. */
  unmatched: [info: { smscMessageId: string }];
}

export class ReceiptRecorder extends EventEmitter<ReceiptRecorderEvents> {
  readonly #subAccount: string;
  readonly #receiptIdFormat: SmscIdFormat;
  readonly #store: MessageStore;
  readonly #optOuts: ReceiptRecorderOptions['optOuts'];
  readonly #unmatchedGraceMs: number;
  readonly #temporaryError: number;
  readonly #now: () => number;
  readonly #log: WorkerLog;
  /** Receipts per SMSC id, one at a time, each tagged with its state and err: see #oneAtATime. */
  readonly #byId = new KeyedSerialQueue<string, Applied>();
  readonly #inFlight = new BackgroundTasks();
  readonly #watches = new Map<string, NodeJS.Timeout>();
  readonly #checks = new BackgroundTasks();
  #stopped = false;

  constructor(options: ReceiptRecorderOptions) {
    super();
    const grace = options.unmatchedGraceMs ?? 120_000;
    if (!Number.isFinite(grace) || grace < 0)
      throw new TypeError(`unmatchedGraceMs must be ≥ 0, got ${grace}`);
    this.#subAccount = options.subAccount;
    this.#receiptIdFormat = options.receiptIdFormat;
    this.#store = options.store;
    this.#optOuts = options.optOuts;
    this.#unmatchedGraceMs = grace;
    this.#temporaryError = options.temporaryErrorStatus ?? CommandStatus.ESME_RX_T_APPN;
    this.#now = options.now ?? Date.now;
    this.#log = options.logger ?? silentLog;
  }

  /** Early receipts whose unmatched check has not run yet (for status pages and tests). */
  get pendingUnmatchedChecks(): number {
    return this.#watches.size + this.#checks.size;
  }

  /** Records a deliver_sm; resolves with the deliver_sm_resp command_status. Never rejects. */
  onDeliverSm = (deliverSm: DeliverSm): Promise<number> => {
    const started = performance.now();
    const work = this.#handle(deliverSm).then(({ outcome, receiptState, receiptLagMs }) => {
      const commandStatus = answersLater(outcome) ? this.#temporaryError : CommandStatus.ESME_ROK;
      try {
        this.emit('handled', {
          outcome,
          commandStatus,
          durationMs: performance.now() - started,
          ...(receiptState === undefined ? {} : { receiptState }),
          ...(receiptLagMs === undefined ? {} : { receiptLagMs }),
        });
      } catch (error) {
        // A listener's bug must not keep the SMSC from its answer.
        this.#log.error('a deliver_sm listener threw', errorAttributes(error));
      }
      return commandStatus;
    });
    return this.#inFlight.track(work);
  };

  /**
   * Waits for deliver_sm in progress, then answers any further one with the temporary error (the SMSC
   * redelivers it to a worker that is not stopping). Pending unmatched checks are dropped. Safe twice.
   */
  async stop(): Promise<void> {
    await this.#inFlight.settled();
    this.#stopped = true;
    await this.#checks.settled();
    for (const timer of this.#watches.values()) clearTimeout(timer);
    if (this.#watches.size > 0) {
      this.#log.info('unmatched-receipt checks dropped at stop; the receipts stay in the correlation table', {
        subAccount: this.#subAccount,
        smscMessageIds: [...this.#watches.keys()],
      });
    }
    this.#watches.clear();
  }

  async #handle(deliverSm: DeliverSm): Promise<Applied & { receiptState?: ReceiptState }> {
    if (this.#stopped) return { outcome: 'stopped' };
    const classified = classifyDeliverSm(deliverSm, { receiptIdFormat: this.#receiptIdFormat });
    try {
      switch (classified.kind) {
        case 'unparseable': {
          const { detail, contentHash } = this.#unreadable(classified.reason, deliverSm);
          await this.#store.announce({ kind: 'unreadable', detail, contentHash });
          this.#log.warn('deliver_sm could not be read; kept with its bytes, announced, answered 0', {
            subAccount: this.#subAccount,
            reason: classified.reason,
            esmClass: deliverSm.esmClass,
            dataCoding: deliverSm.dataCoding,
            eventId: detail.eventId,
          });
          return { outcome: 'unparseable' };
        }
        case 'inbound': {
          const detail = this.#inbound(classified.message, deliverSm);
          // The opt-out first: if it fails, the deliver_sm is answered with the temporary error and comes back.
          await this.#optOutIfStop(detail);
          await this.#store.announce({ kind: 'inbound', detail });
          return { outcome: 'inbound' };
        }
        case 'receipt':
          return {
            ...(await this.#oneAtATime(classified.receipt, deliverSm)),
            receiptState: classified.receipt.state,
          };
      }
    } catch (error) {
      this.#log.error('deliver_sm not recorded; asking the SMSC to redeliver', {
        subAccount: this.#subAccount,
        ...errorAttributes(error),
      });
      return { outcome: 'failed' };
    }
  }

  /**
   * One receipt per SMSC id at a time. A copy of the receipt being recorded (8x8 redelivered it because the
   * first answer was slow, or sent it on two binds) joins that recording instead of repeating its store
   * calls: it is answered as the first is (0 once recorded, or "later" if that failed), so a slow store is
   * not made slower by its own redeliveries. A different receipt for the same id (ENROUTE, then DELIVRD)
   * waits for the one before it and is applied after it.
   */
  async #oneAtATime(receipt: DeliveryReceipt, deliverSm: DeliverSm): Promise<Applied> {
    const id = receipt.smscMessageId;
    const sameReceipt = `${receipt.state}|${receipt.errorCode ?? ''}`;
    const before = this.#byId.latest(id);
    if (before?.tag === sameReceipt) {
      const { outcome } = await before.done;
      return { outcome: answersLater(outcome) ? outcome : 'duplicate' };
    }
    return this.#byId.run(id, () => this.#applyReceipt(receipt, deliverSm), sameReceipt);
  }

  async #applyReceipt(receipt: DeliveryReceipt, deliverSm: DeliverSm): Promise<Applied> {
    const now = this.#now();
    const result = await this.#store.applyReceipt({
      subAccount: this.#subAccount,
      receipt,
      now,
      sourceAddress: deliverSm.sourceAddr,
      destinationAddress: deliverSm.destinationAddr,
    });
    switch (result.kind) {
      case 'stored-early':
        this.#watch(receipt.smscMessageId);
        return { outcome: 'stored-early' };
      case 'already-stored':
        return { outcome: 'duplicate' };
      case 'orphaned':
        this.#log.warn('receipt for a message whose record is gone', {
          subAccount: this.#subAccount,
          messageId: result.correlation.messageId,
        });
        return { outcome: 'orphaned' };
      case 'applied': {
        if (!result.changed) return { outcome: 'duplicate' };
        const submittedAt = result.record.parts[result.correlation.partNumber - 1]?.submittedAt;
        return {
          outcome: 'applied',
          ...(submittedAt === undefined ? {} : { receiptLagMs: Math.max(0, now - submittedAt) }),
        };
      }
    }
  }

  #watch(smscMessageId: string): void {
    if (this.#watches.has(smscMessageId) || this.#stopped) return;
    const timer = setTimeout(() => {
      this.#watches.delete(smscMessageId);
      void this.#checks.track(this.#checkUnmatched(smscMessageId));
    }, this.#unmatchedGraceMs);
    this.#watches.set(smscMessageId, timer);
  }

  async #checkUnmatched(smscMessageId: string): Promise<void> {
    try {
      const check = await this.#store.checkEarlyReceipt(this.#subAccount, smscMessageId);
      if (check.kind !== 'unmatched') return;
      const { detail } = unmatchedReceiptEvent(this.#subAccount, check.receipt, this.#now());
      await this.#store.announce({
        kind: 'unmatched',
        detail,
        normalisedSmscMessageId: smscMessageId,
      });
      this.emit('unmatched', { smscMessageId });
    } catch (error) {
      this.#log.error('unmatched-receipt check failed', {
        subAccount: this.#subAccount,
        ...errorAttributes(error),
      });
    }
  }

  /** An unreadable deliver_sm as kept and published: every byte that came, and a hash of them as its id. */
  #unreadable(reason: string, deliverSm: DeliverSm): { detail: UnreadableDetail; contentHash: string } {
    const shortMessageBase64 = deliverSm.shortMessage.toString('base64');
    const messagePayloadBase64 = deliverSm.messagePayload?.toString('base64');
    const contentHash = createHash('sha256')
      .update(
        JSON.stringify([
          deliverSm.esmClass,
          deliverSm.dataCoding,
          deliverSm.sourceAddr,
          deliverSm.destinationAddr,
          shortMessageBase64,
          messagePayloadBase64 ?? '',
          deliverSm.receiptedMessageId ?? '',
        ]),
      )
      .digest('hex');
    const detail: UnreadableDetail = {
      eventId: deterministicEventId('unreadable', this.#subAccount, contentHash),
      eventType: eventTypes.unreadable,
      subAccount: this.#subAccount,
      reason,
      esmClass: deliverSm.esmClass,
      dataCoding: deliverSm.dataCoding,
      sourceAddress: deliverSm.sourceAddr,
      destinationAddress: deliverSm.destinationAddr,
      shortMessageBase64,
      ...(messagePayloadBase64 === undefined ? {} : { messagePayloadBase64 }),
      ...(deliverSm.receiptedMessageId === undefined
        ? {}
        : { receiptedMessageId: deliverSm.receiptedMessageId }),
      eventTimestamp: this.#now(),
    };
    return { detail, contentHash };
  }

  /** Puts the sender on the suppression list when the inbound text is a stop keyword. */
  async #optOutIfStop(inbound: InboundDetail): Promise<void> {
    if (this.#optOuts === undefined || inbound.messageEncoding === 'BINARY') return;
    const keyword = stopKeywordOf(inbound.messageBody, this.#optOuts.stopKeywords);
    if (keyword === undefined) return;
    const phoneNumber = phoneNumberOfAddress(inbound.originationNumber);
    if (phoneNumber === undefined) return;
    const added = await this.#optOuts.list.add({
      subAccount: this.#subAccount,
      phoneNumber,
      source: 'inbound-keyword',
      optedOutAt: inbound.eventTimestamp,
      keyword,
      inboundMessageId: inbound.inboundMessageId,
    });
    this.#log.info('inbound stop keyword: number put on the suppression list', {
      subAccount: this.#subAccount,
      keyword,
      inboundMessageId: inbound.inboundMessageId,
      alreadyListed: added === 'exists',
    });
  }

  #inbound(message: InboundMessage, deliverSm: DeliverSm): InboundDetail {
    const vendorId = deliverSm.vendorTlvs[vendorTlvTags.messageId];
    const vendorMessageId =
      vendorId === undefined ? '' : vendorId.toString('latin1').replaceAll('\0', '').trim();
    const body =
      message.encoding === 'BINARY' ? Buffer.from(message.text, 'hex').toString('base64') : message.text;
    const inboundMessageId =
      vendorMessageId !== ''
        ? vendorMessageId.toLowerCase()
        : createHash('sha256')
            .update(
              JSON.stringify([
                this.#subAccount,
                message.from,
                message.to,
                deliverSm.dataCoding,
                deliverSm.shortMessage.toString('base64'),
                deliverSm.messagePayload?.toString('base64') ?? '',
              ]),
            )
            .digest('hex');
    const detail: InboundDetail = {
      eventId: inboundEventId(this.#subAccount, inboundMessageId),
      eventType: eventTypes.inbound,
      inboundMessageId,
      subAccount: this.#subAccount,
      originationNumber: message.from,
      destinationNumber: message.to,
      messageBody: body,
      messageEncoding: message.encoding,
      eventTimestamp: this.#now(),
    };
    return detail;
  }
}

/** Outcomes answered with the temporary error, so the SMSC redelivers the deliver_sm later. */
function answersLater(outcome: ReceiptOutcome): boolean {
  return outcome === 'failed' || outcome === 'stopped';
}
