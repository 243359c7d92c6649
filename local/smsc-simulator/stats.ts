/** The shape `stats()` and `perSecondCounts()` return. */
import type { BindMode } from '../../core/fleetConfig.js';
import type { BindRejectReason, Transport } from './events.js';

export interface DeliverSmStats {
  /** Distinct deliver_sm the simulator owed (one per receipt or MO). */
  generated: number;
  /** deliver_sm PDUs written, redeliveries and duplicates included. */
  sent: number;
  /** Of those, extra copies under the duplicateReceipts fault. */
  duplicates: number;
  /** Of those, re-sends after no status-0 answer within receiptRedeliveryMs. */
  redelivered: number;
  answeredOk: number;
  answeredError: number;
  /** Distinct deliver_sm not yet answered with status 0. */
  outstanding: number;
}

export interface BindStats {
  bindId: string;
  systemId: string;
  mode: BindMode;
  transport: Transport;
  open: boolean;
  boundAt: number;
  releasedAt: number | undefined;
  submitsReceived: number;
  accepted: number;
  /** submit_sm answered 0x58 on this bind, whatever the cause (rate, fault or rule). */
  throttled: number;
  /** The most accepted submits in any sliding 1000 ms on this bind, exact over arrival times. */
  maxAcceptedInAnyWindow: number;
}

export interface AccountStats {
  systemId: string;
  binds: {
    current: number;
    peak: number;
    accepted: number;
    rejected: Record<Exclude<BindRejectReason, 'unknown-system-id'>, number>;
  };
  submits: {
    /** submit_sm that arrived on a transmitter or transceiver bind of this account. */
    received: number;
    accepted: number;
    /** 0x58 answers (rate limit, submitErrorStatus fault or a throttled rule). */
    throttled: number;
    /** Every non-zero submit_sm_resp status decided, by `0x..` status. */
    errors: Record<string, number>;
    /** Resps never sent under missingRespRate (accepted or not). */
    respsWithheld: number;
    /** submit_sm whose connection the dropOnSubmit fault closed (never answered, never taken). */
    dropped: number;
    /** The largest `maxAcceptedInAnyWindow` over this account's binds, open or closed. */
    maxAcceptedInAnyWindowPerBind: number;
  };
  receipts: DeliverSmStats;
  mo: DeliverSmStats;
  /** Every bind this account ever had, in bind order. */
  perBind: BindStats[];
}

export interface SmscStats {
  accounts: Record<string, AccountStats>;
  /** Bind attempts naming a system_id no account has. */
  unknownSystemIdBinds: number;
  openConnections: number;
}

export interface PerSecondCount {
  /** Epoch second, `Math.floor(ms / 1000)`. */
  second: number;
  accepted: number;
  throttled: number;
  /**
   * The most accepted submits in any sliding 1000 ms window that ends in this second (the rule's own count
   * at its busiest in this second; 0 when none arrived).
   */
  maxInSlidingSecond: number;
}

export interface BindPerSecondCounts {
  bindId: string;
  systemId: string;
  mode: BindMode;
  seconds: PerSecondCount[];
}
