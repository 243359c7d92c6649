/**
 * deliver_sm the simulator owes its clients (receipts and MO messages), each kept until some bind of its
 * system_id answers it with status 0. A deliver_sm answered non-zero, or not at all (lost resp, closed
 * socket), goes out again after `redeliveryMs`, each time to whichever receiving bind comes next; with no
 * receiving bind it waits for the next bind instead.
 */
import type { TimerSet } from './TimerSet.js';

export type DeliverKind = 'receipt' | 'mo';

export interface OutboundDeliverSm {
  /** The receipted message id for a receipt; the simulator's own id for an MO. */
  readonly id: string;
  readonly kind: DeliverKind;
  readonly systemId: string;
  /** deliver_sm fields; a fresh PDU is built from them for every send. */
  readonly fields: Readonly<Record<string, unknown>>;
  /** How many identical deliver_sm go out per attempt (2 under the duplicateReceipts fault). */
  readonly copies: number;
}

/** One bound receiver or transceiver, as the outbox sees it. */
export interface DeliverSmReceiver {
  readonly bindId: string;
  /** Sends one deliver_sm; `onResp` gets the status of its resp. False when the socket cannot write. */
  send(fields: Readonly<Record<string, unknown>>, onResp: (status: number) => void): boolean;
}

export interface DeliverSmSendInfo {
  readonly redelivery: boolean;
  readonly duplicate: boolean;
}

export interface DeliverSmOutboxHooks {
  /** The next receiving bind of this system_id (round robin), if any. */
  pickReceiver(systemId: string): DeliverSmReceiver | undefined;
  onSend(item: OutboundDeliverSm, bindId: string, info: DeliverSmSendInfo): void;
  onResp(item: OutboundDeliverSm, bindId: string, status: number): void;
}

interface Entry {
  readonly item: OutboundDeliverSm;
  answered: boolean;
  attempts: number;
  waitingForReceiver: boolean;
  retryTimer: NodeJS.Timeout | undefined;
  /** Called once: at the first resp, the first redelivery, or when no receiver could take it. */
  onSettled: (() => void) | undefined;
}

export class DeliverSmOutbox {
  private readonly entries = new Set<Entry>();

  constructor(
    private readonly timers: TimerSet,
    private readonly redeliveryMs: number,
    private readonly hooks: DeliverSmOutboxHooks,
  ) {}

  /** Sends now (or as soon as a receiver binds). `onSettled` lets a caller hold something back until then. */
  enqueue(item: OutboundDeliverSm, onSettled?: () => void): void {
    const entry: Entry = {
      item,
      answered: false,
      attempts: 0,
      waitingForReceiver: false,
      retryTimer: undefined,
      onSettled,
    };
    this.entries.add(entry);
    this.attempt(entry);
  }

  /** A receiving bind of `systemId` is now available: send what was waiting for one. */
  offerReceiver(systemId: string): void {
    for (const entry of this.entries) {
      if (entry.waitingForReceiver && entry.item.systemId === systemId) this.attempt(entry);
    }
  }

  /** deliver_sm of this kind for this system_id not yet answered with status 0. */
  outstanding(systemId: string, kind: DeliverKind): number {
    let count = 0;
    for (const entry of this.entries)
      if (entry.item.systemId === systemId && entry.item.kind === kind) count++;
    return count;
  }

  private attempt(entry: Entry): void {
    if (entry.answered) return;
    const receiver = this.hooks.pickReceiver(entry.item.systemId);
    if (!receiver) {
      entry.waitingForReceiver = true;
      settle(entry);
      return;
    }
    entry.waitingForReceiver = false;
    const redelivery = entry.attempts > 0;
    entry.attempts++;
    for (let copy = 0; copy < entry.item.copies; copy++) {
      const sent = receiver.send(entry.item.fields, (status) => this.onResp(entry, receiver.bindId, status));
      if (sent) this.hooks.onSend(entry.item, receiver.bindId, { redelivery, duplicate: copy > 0 });
    }
    entry.retryTimer = this.timers.set(() => {
      entry.retryTimer = undefined;
      settle(entry);
      this.attempt(entry);
    }, this.redeliveryMs);
  }

  private onResp(entry: Entry, bindId: string, status: number): void {
    this.hooks.onResp(entry.item, bindId, status);
    settle(entry);
    if (status !== 0 || entry.answered) return;
    entry.answered = true;
    this.timers.clear(entry.retryTimer);
    entry.retryTimer = undefined;
    this.entries.delete(entry);
  }
}

function settle(entry: Entry): void {
  const onSettled = entry.onSettled;
  entry.onSettled = undefined;
  onSettled?.();
}
