/**
 * One SMPP connection, from TCP/TLS connect through bind to close. It never reconnects (SmppBind does)
 * and knows nothing about windows or rates; it owns the things the `smpp` package leaves out:
 * - every request has a timeout, kept in one in-flight map keyed by sequence number, and on close every
 *   pending request fails with a typed error that says whether the SMSC may have acted on it;
 * - enquire_link on an interval, and a link that stops answering is declared dead and closed;
 * - the SMSC's enquire_link and unbind are answered; deliver_sm is answered only after the handler says
 *   with which status (so a receipt is acknowledged only once it is recorded);
 * - generic_nack, unknown commands and malformed frames close the connection instead of crashing.
 *
 * Cheap on the submit path (issue 13: the engine ran at 0.78× a bare `smpp` loop with 2.3× its CPU): each
 * PDU is encoded once and written straight to the socket (the package's `session.send` would encode it
 * again), one timer per connection serves every request's timeout, and `send` takes a callback so a submit
 * costs no promise here (`request` wraps it in one for the rare commands).
 */
import { EventEmitter } from 'node:events';
import { CommandStatus, describeCommandStatus } from '../../core/smpp/commandStatus.js';
import { connectSmpp, newPdu, type SmppPackageSession, type SmppPdu } from '../../core/smpp/smppPackage.js';
import {
  SmppBindRejectedError,
  SmppConnectionClosedError,
  SmppError,
  SmppProtocolError,
  SmppResponseTimeoutError,
} from './errors.js';
import { type BindMode, bindCommandOf } from './types.js';

export interface SmppEndpoint {
  host: string;
  port: number;
  tls: boolean;
  /**
   * The CAs to trust instead of Node's bundled ones (PEM; a list for several, e.g. the bundled ones plus a
   * private CA: worker/FleetWorker.ts). Node's bundled CAs are used when absent.
   */
  caPem?: string | string[];
  /** TLS server name to verify; defaults to `host`. */
  servername?: string;
}

export interface SmppCredentials {
  systemId: string;
  password: string;
  systemType?: string;
}

export interface SmppConnectionOptions {
  endpoint: SmppEndpoint;
  credentials: SmppCredentials;
  bindMode: BindMode;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  enquireLinkIntervalMs: number;
  /** Decides the command_status of the deliver_sm_resp; the resp is sent when the promise settles. */
  onDeliverSm: (pdu: SmppPdu) => Promise<number>;
  /** Called when TCP (and TLS) is up and the bind request is about to go out. */
  onTransportConnected?: () => void;
  /**
   * Ends the connect or bind still in progress: the socket is destroyed at once and `open` rejects with
   * SmppConnectionClosedError. Once `open` has resolved, the connection is the caller's to close.
   */
  signal?: AbortSignal;
}

export interface SmppConnectionEvents {
  closed: [reason: string, error: SmppError | undefined];
  /** A response that arrived after its request timed out: the SMSC did act on it after all. */
  lateResponse: [pdu: SmppPdu];
}

/** Called once per request: with its response (any command_status), or with the error that replaced it. */
export type SmppResponseCallback = (error: SmppError | undefined, response: SmppPdu | undefined) => void;

interface PendingRequest {
  command: string;
  callback: SmppResponseCallback;
  /** performance.now() after which the request times out. */
  deadline: number;
  timeoutMs: number;
}

const maxSequenceNumber = 0x7fffffff;

/**
 * Errors reach a request's callback in a microtask, as the promise rejections they replace did: a caller that
 * sends again from its callback then finds the connection already marked closed (after `closed` was emitted)
 * instead of writing into it, and a request that never went out answers only after `send` returns.
 */
function failLater(callback: SmppResponseCallback, error: SmppError): void {
  queueMicrotask(() => callback(error, undefined));
}
/** How many timed-out sequence numbers to remember so a late response is recognised, not ignored. */
const rememberedTimeouts = 1024;

/** The close reason of a connection ended through `signal`: what its owner gave as the reason. */
function abortReason(signal: AbortSignal | undefined): string {
  const reason: unknown = signal?.reason;
  return `aborted: ${reason instanceof Error ? reason.message : String(reason)}`;
}

export class SmppConnection extends EventEmitter<SmppConnectionEvents> {
  readonly #options: SmppConnectionOptions;
  readonly #session: SmppPackageSession;
  readonly #inFlight = new Map<number, PendingRequest>();
  readonly #timedOut = new Set<number>();
  #sequence = 0;
  #closed = false;
  #closeReason = '';
  #enquireLinkTimer: NodeJS.Timeout | undefined;
  #enquireLinkOutstanding = false;
  /**
   * One timer for every request's timeout, armed for the earliest deadline it knows of: a timer per submit
   * (set, then cleared when the resp comes a millisecond later) was a measurable part of a submit's CPU.
   */
  #timeoutTimer: NodeJS.Timeout | undefined;
  #timeoutTimerAt = Number.POSITIVE_INFINITY;

  private constructor(options: SmppConnectionOptions, session: SmppPackageSession) {
    super();
    this.#options = options;
    this.#session = session;
    // Nagle's algorithm would hold a submit_sm back and release it together with later ones, so the SMSC
    // would see sends closer together than the rate limiter spaced them (and throttle them).
    session.socket.setNoDelay(true);
    session.on('pdu', (pdu: SmppPdu) => this.#onPdu(pdu));
    session.on('error', (error: Error) => this.destroy(`socket error: ${error.message}`, error));
    session.on('close', () => this.destroy('socket closed'));
  }

  /** Connects and binds; resolves with a bound connection or rejects with a typed error. */
  static open(options: SmppConnectionOptions): Promise<SmppConnection> {
    return new Promise((resolve, reject) => {
      const { endpoint, signal } = options;
      if (signal?.aborted) {
        reject(
          new SmppConnectionClosedError({ command: 'connect', reason: abortReason(signal), written: false }),
        );
        return;
      }
      let connection: SmppConnection | undefined;
      const connectTimer = setTimeout(() => {
        connection?.destroy(`connect timed out after ${options.connectTimeoutMs} ms`);
      }, options.connectTimeoutMs);
      // Destroying fails the pending bind request (or closes before it), which rejects below.
      const onAbort = () => connection?.destroy(abortReason(signal));
      signal?.addEventListener('abort', onAbort, { once: true });
      const settled = () => {
        clearTimeout(connectTimer);
        signal?.removeEventListener('abort', onAbort);
      };
      const failBeforeBind = (reason: string, error: SmppError | undefined) => {
        settled();
        reject(error ?? new SmppConnectionClosedError({ command: 'connect', reason, written: false }));
      };
      const session = connectSmpp(
        {
          host: endpoint.host,
          port: endpoint.port,
          tls: endpoint.tls,
          ...(endpoint.tls
            ? {
                servername: endpoint.servername ?? endpoint.host,
                rejectUnauthorized: true,
                minVersion: 'TLSv1.2' as const,
                ...(endpoint.caPem ? { ca: endpoint.caPem } : {}),
              }
            : {}),
        },
        () => {
          clearTimeout(connectTimer);
          const bound = connection;
          if (!bound || bound.isClosed) return;
          bound.off('closed', failBeforeBind);
          options.onTransportConnected?.();
          bound.#bind().then(
            () => {
              settled();
              // A frame that broke the link may have arrived right behind the bind_resp, or an abort
              // between the bind_resp and here.
              if (bound.isClosed) {
                reject(
                  new SmppConnectionClosedError({
                    command: 'bind',
                    reason: bound.#closeReason,
                    written: true,
                  }),
                );
              } else {
                resolve(bound);
              }
            },
            (error: unknown) => {
              settled();
              bound.destroy('bind failed');
              reject(error);
            },
          );
        },
      );
      connection = new SmppConnection(options, session);
      connection.once('closed', failBeforeBind);
    });
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  get inFlightCount(): number {
    return this.#inFlight.size;
  }

  /** Sends a request PDU and resolves with its response (any command_status); rejects only without one. */
  request(command: string, fields: Record<string, unknown> = {}, timeoutMs?: number): Promise<SmppPdu> {
    return new Promise<SmppPdu>((resolve, reject) => {
      this.send(
        command,
        fields,
        (error, response) => (response ? resolve(response) : reject(error)),
        timeoutMs,
      );
    });
  }

  /**
   * `request` without a promise, for the submit path: `callback` runs exactly once, with the response or
   * the typed error, and never before `send` returns (a caller may send again from inside it).
   */
  send(
    command: string,
    fields: Record<string, unknown>,
    callback: SmppResponseCallback,
    timeoutMs?: number,
  ): void {
    if (this.#closed) {
      failLater(
        callback,
        new SmppConnectionClosedError({ command, reason: this.#closeReason, written: false }),
      );
      return;
    }
    const sequenceNumber = this.#nextSequence();
    let bytes: Buffer;
    try {
      const pdu = newPdu(command, fields);
      pdu.sequence_number = sequenceNumber;
      // Encoded once, here, so an encoding error surfaces before anything is written (the package's
      // session.send would encode it a second time).
      bytes = pdu.toBuffer();
    } catch (cause) {
      failLater(
        callback,
        new SmppError(`cannot encode ${command}: ${String(cause)}`, { inDoubt: false, cause }),
      );
      return;
    }
    const socket = this.#session.socket;
    if (!socket.writable) {
      failLater(
        callback,
        new SmppConnectionClosedError({ command, reason: 'socket not writable', written: false }),
      );
      return;
    }
    const limitMs = timeoutMs ?? this.#options.requestTimeoutMs;
    const deadline = performance.now() + limitMs;
    this.#inFlight.set(sequenceNumber, { command, callback, deadline, timeoutMs: limitMs });
    if (deadline < this.#timeoutTimerAt) this.#armTimeoutTimer(deadline);
    socket.write(bytes);
  }

  /** Polite close: unbind, wait for unbind_resp (bounded by the request timeout), then close the socket. */
  async unbind(): Promise<void> {
    if (this.#closed) return;
    this.#stopEnquireLink();
    try {
      await this.request('unbind');
    } catch {
      // The SMSC did not confirm; closing the socket ends the bind on its side all the same.
    }
    this.destroy('unbound');
  }

  /** Closes the socket now and fails every pending request; safe to call more than once. */
  destroy(reason: string, cause?: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeReason = reason;
    this.#stopEnquireLink();
    clearTimeout(this.#timeoutTimer);
    this.#timeoutTimer = undefined;
    this.#timeoutTimerAt = Number.POSITIVE_INFINITY;
    const pendings = [...this.#inFlight.values()];
    this.#inFlight.clear();
    for (const pending of pendings) {
      failLater(
        pending.callback,
        new SmppConnectionClosedError({ command: pending.command, reason, written: true, cause }),
      );
    }
    this.#session.destroy();
    const error = cause instanceof SmppError ? cause : undefined;
    this.emit('closed', reason, error);
  }

  async #bind(): Promise<void> {
    const { credentials, bindMode } = this.#options;
    const response = await this.request(bindCommandOf[bindMode], {
      system_id: credentials.systemId,
      password: credentials.password,
      system_type: credentials.systemType ?? '',
      interface_version: 0x34,
    });
    if (response.command_status !== CommandStatus.ESME_ROK) {
      const status = describeCommandStatus(response.command_status);
      throw new SmppBindRejectedError({ commandStatus: status.code, statusName: status.name });
    }
    this.#startEnquireLink();
  }

  #onPdu(pdu: SmppPdu): void {
    if (this.#closed) return;
    if (pdu.isResponse()) {
      this.#onResponse(pdu);
      return;
    }
    switch (pdu.command) {
      case 'enquire_link':
        this.#respond(pdu.response());
        return;
      case 'unbind':
        this.#respond(pdu.response());
        this.destroy('unbind requested by the SMSC');
        return;
      case 'deliver_sm':
        this.#onDeliverSm(pdu);
        return;
      case 'alert_notification':
        return; // has no response in SMPP 3.4
      case 'unknown':
        this.#respond(pdu.response({ command_status: CommandStatus.ESME_RINVCMDID }));
        this.destroy(`unknown command 0x${pdu.command_id.toString(16)} from the SMSC`);
        return;
      default:
        this.#respond(pdu.response({ command_status: CommandStatus.ESME_RINVCMDID }));
    }
  }

  #onResponse(pdu: SmppPdu): void {
    const pending = this.#inFlight.get(pdu.sequence_number);
    if (pdu.command === 'generic_nack') {
      const reason = `generic_nack ${describeCommandStatus(pdu.command_status).name} for #${pdu.sequence_number}`;
      if (pending) {
        this.#inFlight.delete(pdu.sequence_number);
        failLater(pending.callback, new SmppProtocolError(`${pending.command} answered with ${reason}`));
      }
      this.destroy(reason);
      return;
    }
    if (!pending) {
      if (this.#timedOut.delete(pdu.sequence_number)) this.emit('lateResponse', pdu);
      return;
    }
    this.#inFlight.delete(pdu.sequence_number);
    pending.callback(undefined, pdu);
  }

  #armTimeoutTimer(at: number): void {
    clearTimeout(this.#timeoutTimer);
    this.#timeoutTimerAt = at;
    this.#timeoutTimer = setTimeout(() => this.#expireRequests(), Math.max(0, at - performance.now()));
    // It stays armed after the last resp (re-arming per resp is what it saves): the open socket, not this
    // timer, is what keeps the process alive, and destroy() clears it.
    this.#timeoutTimer.unref();
  }

  /** Fails every request past its deadline, then re-arms the timer for the earliest one left. */
  #expireRequests(): void {
    this.#timeoutTimer = undefined;
    this.#timeoutTimerAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    const expired: [number, PendingRequest][] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const entry of this.#inFlight) {
      if (entry[1].deadline <= now) expired.push(entry);
      else if (entry[1].deadline < next) next = entry[1].deadline;
    }
    for (const [sequenceNumber] of expired) {
      this.#inFlight.delete(sequenceNumber);
      this.#rememberTimeout(sequenceNumber);
    }
    if (next !== Number.POSITIVE_INFINITY && !this.#closed) this.#armTimeoutTimer(next);
    for (const [sequenceNumber, { command, callback, timeoutMs }] of expired)
      failLater(callback, new SmppResponseTimeoutError({ command, sequenceNumber, timeoutMs }));
  }

  #onDeliverSm(pdu: SmppPdu): void {
    this.#options.onDeliverSm(pdu).then(
      (status) => this.#respond(pdu.response({ command_status: status })),
      // A handler that throws must not lose the receipt: a temporary error makes the SMSC redeliver.
      () => this.#respond(pdu.response({ command_status: CommandStatus.ESME_RX_T_APPN })),
    );
  }

  #respond(response: SmppPdu): void {
    if (!this.#closed) this.#session.send(response);
  }

  #startEnquireLink(): void {
    this.#enquireLinkTimer = setInterval(() => {
      if (this.#enquireLinkOutstanding) return;
      this.#enquireLinkOutstanding = true;
      this.request('enquire_link').then(
        () => {
          this.#enquireLinkOutstanding = false;
        },
        (error: unknown) => {
          this.#enquireLinkOutstanding = false;
          if (error instanceof SmppResponseTimeoutError)
            this.destroy('link dead: enquire_link unanswered', error);
        },
      );
    }, this.#options.enquireLinkIntervalMs);
    this.#enquireLinkTimer.unref();
  }

  #stopEnquireLink(): void {
    clearInterval(this.#enquireLinkTimer);
    this.#enquireLinkTimer = undefined;
  }

  #nextSequence(): number {
    this.#sequence = this.#sequence >= maxSequenceNumber ? 1 : this.#sequence + 1;
    return this.#sequence;
  }

  #rememberTimeout(sequenceNumber: number): void {
    this.#timedOut.add(sequenceNumber);
    if (this.#timedOut.size > rememberedTimeouts) {
      const oldest = this.#timedOut.values().next().value;
      if (oldest !== undefined) this.#timedOut.delete(oldest);
    }
  }
}
