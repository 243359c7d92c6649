/**
 * # 8x8 SMSC simulator
 *
 * An SMPP 3.4 server that behaves like 8x8's (see /work/shared/reference), for tests, `npm start`,
 * benchmarks and the command line (`npm run smsc-sim -- --help`). Built on the `smpp` package's server
 * through core/smpp/smppPackage.ts; message bytes stay raw Buffers both ways.
 *
 * ## What it imitates
 * - bind_transceiver / bind_transmitter / bind_receiver with system_id + password
 *   (wrong password 0x0E, unknown system_id 0x0F), on a plain and an optional TLS (1.2+) listener.
 * - At most `maxBinds` (4) concurrent binds per system_id across both listeners; the next bind gets
 *   `bindLimitStatus` (0x0D ESME_RBINDFAIL by default; 8x8 only says "rejected") and its connection is
 *   closed. Every failed bind closes its connection. A bind slot is freed the moment an unbind arrives.
 * - A second bind on a bound session → 0x05; any PDU but enquire_link before bind → 0x04; submit_sm on a
 *   receiver bind → 0x04; unknown or unsupported commands → generic_nack 0x03.
 * - `submitsPerSecond` (50) per bind: a submit_sm that would make more than that many ACCEPTED submits on
 *   its bind within the last 1000 ms (arrival times, half-open window) is answered 0x58 and not counted.
 * - submit_sm_resp message_id is a UUID (36 characters). Each UDH part is its own message with its own
 *   id and receipt. registered_delivery bits 0-1: 1 (or 3) a receipt always, 2 only on failure, 0 none.
 * - Receipts: deliver_sm esm_class 0x04, data_coding 0, 8x8's text
 *   `id:<uuid> sub:001 dlvrd:001 submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DELIVRD err:000 Text:…`
 *   (dates in UTC; Text: the first 20 characters of GSM 7-bit or Latin-1 text, non-ASCII shown as `?`,
 *   empty for UCS-2 and binary, data_coding read as codec/shortMessage.ts reads it),
 *   plus receipted_message_id / message_state TLVs unless `receiptTlvs: false`. Sent after
 *   `receiptDelayMs` to ANY bound receiver/transceiver of the system_id, round robin — not necessarily the
 *   submitting bind — and sent again every `receiptRedeliveryMs` until one copy is answered with status 0
 *   (waiting for a bind when there is none).
 * - MO messages (`sendMobileOriginated`): deliver_sm esm_class 0, GSM 03.38 unpacked with data_coding 0
 *   when every character fits, else UCS-2 data_coding 8; redelivered like receipts.
 * - Text in and out goes through its own codec (codec/: GSM 03.38 written from 3GPP TS 23.038, UCS-2 through
 *   iconv-lite, UDH parsing and `reassembleMessages`), never the worker's, so the tests check the worker's
 *   encoding against a second implementation instead of against itself.
 * - Outcome rules by destination prefix or regex (first match wins, default delivered), and faults:
 *   latency, dropped connections, refused binds, held (slow) binds, missing resps, error statuses,
 *   duplicate and early receipts, silence on enquire_link.
 *
 * ## What it does not
 * - No IP whitelisting, no 48-hour receipt wait, no query_sm / data_sm / submit_multi / cancel_sm /
 *   replace_sm (8x8 does not list them either), no window limit, no enquire_link or idle timeout of its own.
 * - No 8x8 vendor TLVs (0x1502 message UUID, 0x1503 MCC/MNC): the package cannot encode unknown tags.
 * - No validation of addresses, TON/NPI, data_coding or message length beyond what the package parses.
 *
 * ## Decisions callers must know
 * - missingRespRate withholds the resp only: the SMSC's decision stands, so an accepted message is still
 *   recorded and still gets its receipt (like a resp lost on the way back). `random()` is consulted once
 *   per submit_sm, and only while the rate is above 0.
 * - earlyReceipts sends the receipt at acceptance and holds the submit_sm_resp until that receipt is
 *   answered (or `receiptRedeliveryMs` passes), so the receipt is processed first even on another bind.
 * - Order of checks for a submit_sm: bind state → submitErrorStatus fault → rate → outcome rule.
 * - latencyMs delays responses only, not deliver_sm the simulator originates.
 * - holdBinds holds a bind before it is decided: while held it is in no count and takes no slot, so a client
 *   that gives up on it (closes the socket) leaves no trace but the `bind-held` and `connection-closed`
 *   events. Clearing the fault decides the held binds then, as if they had just arrived.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import type { BindMode } from '../../core/fleetConfig.js';
import { CommandStatus } from '../../core/smpp/commandStatus.js';
import {
  commandIdOf,
  createSmppServer,
  newPdu,
  type SmppPackageServer,
  type SmppPackageSession,
  type SmppPdu,
  type SmppServerOptions,
} from '../../core/smpp/smppPackage.js';
import { encodeMobileOriginated, readShortMessage, simulatorDataCodings } from './codec/shortMessage.js';
import { DeliverSmOutbox, type DeliverSmReceiver, type OutboundDeliverSm } from './DeliverSmOutbox.js';
import { formatReceiptText, type ReceiptOutcome, receiptOutcomes } from './deliveryReceipt.js';
import { SmscSimulatorError, SmscSimulatorStateError } from './errors.js';
import type {
  BindRejectReason,
  SimulatorStatus,
  SmscSimulatorEvents,
  Transport,
  UnbindReason,
} from './events.js';
import { formatCommandStatus } from './formatCommandStatus.js';
import {
  matchOutcomeRule,
  noFaults,
  type OutcomeKind,
  type OutcomeRule,
  type ParsedSmscSimulatorOptions,
  parseFaultsPatch,
  parseSmscSimulatorOptions,
  type SmscAccount,
  type SmscFaults,
  type SmscFaultsPatch,
  type SmscSimulatorOptions,
} from './options.js';
import type { SubmittedMessage } from './SubmittedMessage.js';
import {
  countPerSecond,
  maxInAnyWindow,
  maxInWindowPerSecond,
  SlidingWindowCounter,
} from './slidingWindow.js';
import type { AccountStats, BindPerSecondCounts, DeliverSmStats, SmscStats } from './stats.js';
import { TimerSet } from './TimerSet.js';
import { generateLocalhostCertificate, type TlsCertificate } from './tlsCertificate.js';

export { type ReassembledMessage, reassembleMessages } from './codec/reassemble.js';
export {
  SmscSimulatorConfigError,
  SmscSimulatorError,
  SmscSimulatorStateError,
} from './errors.js';
export type * from './events.js';
export type {
  OutcomeKind,
  OutcomeRuleInput,
  SmscAccountInput,
  SmscFaults,
  SmscFaultsPatch,
  SmscSimulatorOptions,
} from './options.js';
export type { SubmittedMessage } from './SubmittedMessage.js';
export type * from './stats.js';

export interface SmscListeningPorts {
  port: number;
  tlsPort?: number;
}

export interface MobileOriginatedMessage {
  /** The handset: digits (optionally with +) → TON 1 / NPI 1, anything else → alphanumeric TON 5 / NPI 0. */
  from: string;
  /** The ESME's number or short code. */
  to: string;
  text: string;
}

/** The system_id the simulator names itself in bind_resp. */
const SMSC_SYSTEM_ID = 'SMSCSIM';
/** A client that does not answer a server unbind within this is disconnected. */
const UNBIND_TIMEOUT_MS = 1000;
/** The largest short_message SMPP 3.4 allows. */
const MAX_SHORT_MESSAGE_OCTETS = 254;
const RATE_WINDOW_MS = 1000;

const bindModeByCommand: Readonly<Record<string, BindMode>> = {
  bind_transceiver: 'transceiver',
  bind_transmitter: 'transmitter',
  bind_receiver: 'receiver',
};

/** open → bound → (unbinding →) released → closed; a bind slot is held while bound or unbinding. */
type ConnectionPhase = 'open' | 'bound' | 'unbinding' | 'released' | 'closed';

interface BindRecord {
  readonly bindId: string;
  readonly systemId: string;
  readonly mode: BindMode;
  readonly transport: Transport;
  readonly boundAt: number;
  releasedAt: number | undefined;
  submitsReceived: number;
  readonly accepted: SlidingWindowCounter;
  readonly throttledTimes: number[];
}

interface Connection {
  readonly id: string;
  readonly session: SmppPackageSession;
  readonly transport: Transport;
  readonly remoteAddress: string;
  readonly remotePort: number;
  phase: ConnectionPhase;
  bind: BindRecord | undefined;
  readonly closed: Promise<void>;
}

/** A bind request the holdBinds fault keeps waiting. */
interface HeldBind {
  readonly connection: Connection;
  readonly pdu: SmppPdu;
  readonly mode: BindMode;
}

interface AccountState {
  /** Replaced whole by setPassword (8x8 rotating a sub-account's password). */
  account: SmscAccount;
  /** Connections holding a bind slot, in bind order. */
  readonly live: Connection[];
  readonly binds: BindRecord[];
  peakBinds: number;
  bindsAccepted: number;
  readonly bindsRejected: Record<Exclude<BindRejectReason, 'unknown-system-id'>, number>;
  readonly submits: {
    received: number;
    accepted: number;
    throttled: number;
    respsWithheld: number;
    dropped: number;
  };
  readonly submitErrors: Map<number, number>;
  readonly receipts: Omit<DeliverSmStats, 'outstanding'>;
  readonly mo: Omit<DeliverSmStats, 'outstanding'>;
  nextReceiver: number;
}

interface Listener {
  readonly transport: Transport;
  readonly server: SmppPackageServer;
}

export class SmscSimulator extends EventEmitter<SmscSimulatorEvents> {
  private readonly options: ParsedSmscSimulatorOptions;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly accounts = new Map<string, AccountState>();
  private readonly connections = new Map<string, Connection>();
  private readonly rawSockets = new Set<Socket>();
  private readonly servers: Listener[] = [];
  private readonly timers = new TimerSet();
  private readonly outbox: DeliverSmOutbox;
  private readonly submitted: SubmittedMessage[] = [];
  /** Bind requests waiting under the holdBinds fault, in arrival order. */
  private heldBinds: HeldBind[] = [];
  private currentFaults: SmscFaults;
  /** dropOnSubmit: submit_sm dropped so far, by destination. */
  private readonly droppedSubmits = new Map<string, number>();
  private status: SimulatorStatus = 'idle';
  private startPromise: Promise<SmscListeningPorts> | undefined;
  private stopPromise: Promise<void> | undefined;
  private certificate: TlsCertificate | undefined;
  private unknownSystemIdBinds = 0;
  private connectionCount = 0;
  private bindCount = 0;

  /** @throws SmscSimulatorConfigError naming each bad option. */
  constructor(options: SmscSimulatorOptions) {
    super();
    this.options = parseSmscSimulatorOptions(options);
    this.now = this.options.now ?? Date.now;
    this.random = this.options.random ?? Math.random;
    this.currentFaults = { ...noFaults, ...this.options.faults };
    for (const account of this.options.accounts) {
      this.accounts.set(account.systemId, {
        account,
        live: [],
        binds: [],
        peakBinds: 0,
        bindsAccepted: 0,
        bindsRejected: { 'invalid-password': 0, 'bind-limit': 0, refused: 0 },
        submits: { received: 0, accepted: 0, throttled: 0, respsWithheld: 0, dropped: 0 },
        submitErrors: new Map(),
        receipts: emptyDeliverCounters(),
        mo: emptyDeliverCounters(),
        nextReceiver: 0,
      });
    }
    this.outbox = new DeliverSmOutbox(this.timers, this.options.receiptRedeliveryMs, {
      pickReceiver: (systemId) => this.pickReceiver(systemId),
      onSend: (item, bindId, info) => {
        const counters = this.deliverCounters(item);
        counters.sent++;
        if (info.duplicate) counters.duplicates++;
        if (info.redelivery && !info.duplicate) counters.redelivered++;
        this.emit('deliver', { kind: item.kind, id: item.id, systemId: item.systemId, bindId, ...info });
      },
      onResp: (item, bindId, status) => {
        const counters = this.deliverCounters(item);
        if (status === 0) counters.answeredOk++;
        else counters.answeredError++;
        this.emit('deliver-resp', { kind: item.kind, id: item.id, systemId: item.systemId, bindId, status });
      },
    });
  }

  // ---------------------------------------------------------------- lifecycle

  /** Listens on `port` (and `tls.port`). Calling it again returns the same ports; not after stop(). */
  start(): Promise<SmscListeningPorts> {
    if (this.stopPromise || this.status === 'stopped') {
      return Promise.reject(new SmscSimulatorStateError('cannot start a simulator again after stop()'));
    }
    if (this.startPromise) return this.startPromise;
    this.startPromise = this.listen();
    return this.startPromise;
  }

  /** Closes every socket and listener and clears every timer. Safe to call twice, or before start(). */
  stop(): Promise<void> {
    this.stopPromise ??= this.shutDown();
    return this.stopPromise;
  }

  get simulatorStatus(): SimulatorStatus {
    return this.status;
  }

  /** Timers pending inside the simulator (receipts, redeliveries, latency, unbind fallbacks); 0 after stop(). */
  get pendingTimerCount(): number {
    return this.timers.size;
  }

  /** The TLS listener's self-signed certificate (PEM), to pass as `ca` so clients verify it; set by start(). */
  get tlsCertificatePem(): string | undefined {
    return this.certificate?.certPem;
  }

  // ---------------------------------------------------------------- faults and operator actions

  get faults(): Readonly<SmscFaults> {
    return { ...this.currentFaults };
  }

  /** Changes some faults now; the others keep their values. Clearing holdBinds answers the held binds. */
  setFaults(patch: SmscFaultsPatch): void {
    const parsed = parseFaultsPatch(patch);
    if (parsed.dropOnSubmit !== undefined) this.droppedSubmits.clear();
    this.currentFaults = { ...this.currentFaults, ...parsed };
    if (!this.currentFaults.holdBinds && this.heldBinds.length > 0) {
      const held = this.heldBinds;
      this.heldBinds = [];
      for (const { connection, pdu, mode } of held) this.onBind(connection, pdu, mode);
    }
  }

  /**
   * A new SMPP password for `systemId`, as when 8x8 rotates it: binds from now on need it; binds already
   * open stay open.
   */
  setPassword(systemId: string, password: string): void {
    const state = this.accounts.get(systemId);
    if (state === undefined) throw new Error(`no account ${systemId}`);
    state.account = { ...state.account, password };
  }

  /** Destroys every socket at once (no unbind), as a network cut or an SMSC restart would. */
  dropConnections(): void {
    for (const connection of this.connections.values()) connection.session.destroy();
    for (const socket of this.rawSockets) socket.destroy();
  }

  /**
   * Sends unbind to every bound session (of `systemId`, or all) and closes each when it answers, or after
   * one second without an answer. Resolves when those connections are closed.
   */
  async unbindAll(systemId?: string): Promise<void> {
    const targets = [...this.connections.values()].filter(
      (connection) =>
        connection.phase === 'bound' && (systemId === undefined || connection.bind?.systemId === systemId),
    );
    for (const connection of targets) {
      this.setPhase(connection, 'unbinding');
      const sent = connection.session.send(newPdu('unbind'), () => {
        this.releaseBind(connection, 'server-unbind');
        connection.session.close();
      });
      if (!sent) {
        connection.session.destroy();
        continue;
      }
      const fallback = this.timers.set(() => connection.session.destroy(), UNBIND_TIMEOUT_MS);
      void connection.closed.then(() => this.timers.clear(fallback));
    }
    await Promise.all(targets.map((connection) => connection.closed));
  }

  /**
   * Sends a mobile-originated message to a receiving bind of `systemId` (or to the next one that binds),
   * redelivered until answered with status 0. Returns the simulator's id for it (see 'deliver' events).
   */
  sendMobileOriginated(systemId: string, message: MobileOriginatedMessage): { id: string } {
    if (this.status !== 'running') {
      throw new SmscSimulatorStateError(`cannot send an MO message while the simulator is ${this.status}`);
    }
    const state = this.accounts.get(systemId);
    if (!state) throw new SmscSimulatorError(`no account with systemId ${systemId}`);
    const { dataCoding, shortMessage } = encodeMobileOriginated(message.text);
    if (shortMessage.length > MAX_SHORT_MESSAGE_OCTETS) {
      throw new SmscSimulatorError(
        `MO text takes ${shortMessage.length} octets; one deliver_sm carries at most ${MAX_SHORT_MESSAGE_OCTETS}`,
      );
    }
    const from = addressOf(message.from);
    const to = addressOf(message.to);
    const id = randomUUID();
    state.mo.generated++;
    this.outbox.enqueue({
      id,
      kind: 'mo',
      systemId,
      copies: 1,
      fields: {
        source_addr_ton: from.ton,
        source_addr_npi: from.npi,
        source_addr: from.address,
        dest_addr_ton: to.ton,
        dest_addr_npi: to.npi,
        destination_addr: to.address,
        esm_class: 0,
        data_coding: dataCoding,
        short_message: shortMessage,
      },
    });
    return { id };
  }

  // ---------------------------------------------------------------- observability

  stats(): SmscStats {
    const accounts: Record<string, AccountStats> = {};
    for (const [systemId, state] of this.accounts) {
      const perBind = state.binds.map((bind) => ({
        bindId: bind.bindId,
        systemId: bind.systemId,
        mode: bind.mode,
        transport: bind.transport,
        open: bind.releasedAt === undefined,
        boundAt: bind.boundAt,
        releasedAt: bind.releasedAt,
        submitsReceived: bind.submitsReceived,
        accepted: bind.accepted.timestamps.length,
        throttled: bind.throttledTimes.length,
        maxAcceptedInAnyWindow: maxInAnyWindow(bind.accepted.timestamps, RATE_WINDOW_MS),
      }));
      accounts[systemId] = {
        systemId,
        binds: {
          current: state.live.length,
          peak: state.peakBinds,
          accepted: state.bindsAccepted,
          rejected: { ...state.bindsRejected },
        },
        submits: {
          ...state.submits,
          errors: Object.fromEntries(
            [...state.submitErrors].map(([status, count]) => [formatCommandStatus(status), count]),
          ),
          maxAcceptedInAnyWindowPerBind: Math.max(0, ...perBind.map((bind) => bind.maxAcceptedInAnyWindow)),
        },
        receipts: { ...state.receipts, outstanding: this.outbox.outstanding(systemId, 'receipt') },
        mo: { ...state.mo, outstanding: this.outbox.outstanding(systemId, 'mo') },
        perBind,
      };
    }
    return {
      accounts,
      unknownSystemIdBinds: this.unknownSystemIdBinds,
      openConnections: this.connections.size,
    };
  }

  /** Accepted submit_sm in arrival order (the newest `maxSubmittedMessages`). */
  submittedMessages(): SubmittedMessage[] {
    return [...this.submitted];
  }

  /** Accepted and throttled submits per bind per epoch second, and the busiest sliding second in each, for charts. */
  perSecondCounts(): BindPerSecondCounts[] {
    const result: BindPerSecondCounts[] = [];
    for (const state of this.accounts.values()) {
      for (const bind of state.binds) {
        const accepted = countPerSecond(bind.accepted.timestamps);
        const throttled = countPerSecond(bind.throttledTimes);
        const sliding = maxInWindowPerSecond(bind.accepted.timestamps, RATE_WINDOW_MS);
        const seconds = [...new Set([...accepted.keys(), ...throttled.keys()])].sort((a, b) => a - b);
        result.push({
          bindId: bind.bindId,
          systemId: bind.systemId,
          mode: bind.mode,
          seconds: seconds.map((second) => ({
            second,
            accepted: accepted.get(second) ?? 0,
            throttled: throttled.get(second) ?? 0,
            maxInSlidingSecond: sliding.get(second) ?? 0,
          })),
        });
      }
    }
    return result;
  }

  // ---------------------------------------------------------------- listeners and connections

  private async listen(): Promise<SmscListeningPorts> {
    this.setStatus('starting');
    try {
      const port = await this.openListener('plain', {}, this.options.port);
      let tlsPort: number | undefined;
      if (this.options.tls) {
        this.certificate = await generateLocalhostCertificate();
        const secure: SmppServerOptions = {
          key: this.certificate.keyPem,
          cert: this.certificate.certPem,
          minVersion: 'TLSv1.2',
        };
        tlsPort = await this.openListener('tls', secure, this.options.tls.port);
      }
      this.setStatus('running');
      return tlsPort === undefined ? { port } : { port, tlsPort };
    } catch (error) {
      await this.closeListeners();
      this.setStatus('stopped');
      throw new SmscSimulatorError(`SMSC simulator could not listen: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  private openListener(
    transport: Transport,
    serverOptions: SmppServerOptions,
    port: number,
  ): Promise<number> {
    const server = createSmppServer(serverOptions, (session) => this.onSession(session, transport));
    this.servers.push({ transport, server });
    server.on('connection', (socket: Socket) => {
      this.rawSockets.add(socket);
      socket.once('close', () => this.rawSockets.delete(socket));
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.options.host, () => {
        server.off('error', reject);
        server.on('error', (error: Error) => this.emit('server-error', { transport, error }));
        resolve((server.address() as AddressInfo).port);
      });
    });
  }

  private async shutDown(): Promise<void> {
    if (this.startPromise) await this.startPromise.catch(() => undefined);
    if (this.status === 'stopped') return;
    this.setStatus('stopping');
    this.timers.close();
    const closing = [...this.connections.values()].map((connection) => connection.closed);
    this.dropConnections();
    await Promise.all([this.closeListeners(), ...closing]);
    this.setStatus('stopped');
  }

  private async closeListeners(): Promise<void> {
    await Promise.all(
      this.servers.map(({ server }) => new Promise<void>((resolve) => server.close(() => resolve()))),
    );
  }

  private setStatus(to: SimulatorStatus): void {
    const from = this.status;
    if (from === to) return;
    this.status = to;
    this.emit('status', { from, to });
  }

  private onSession(session: SmppPackageSession, transport: Transport): void {
    if (this.status !== 'running' && this.status !== 'starting') {
      session.on('error', () => undefined);
      session.destroy();
      return;
    }
    // Like a real SMSC, answer at once: Nagle's algorithm would hold small resps back behind delayed ACKs.
    session.socket.setNoDelay(true);
    let markClosed: () => void = () => undefined;
    const connection: Connection = {
      id: `c${++this.connectionCount}`,
      session,
      transport,
      remoteAddress: session.socket.remoteAddress ?? '',
      remotePort: session.socket.remotePort ?? 0,
      phase: 'open',
      bind: undefined,
      closed: new Promise<void>((resolve) => {
        markClosed = resolve;
      }),
    };
    this.connections.set(connection.id, connection);
    // The package emits 'error' for socket errors and malformed frames (and then stops reading): close.
    session.on('error', (error: Error) => {
      this.emit('connection-error', { connectionId: connection.id, error });
      session.destroy();
    });
    session.on('close', () => {
      this.releaseBind(connection, 'connection-closed');
      this.setPhase(connection, 'closed');
      this.connections.delete(connection.id);
      this.heldBinds = this.heldBinds.filter((held) => held.connection !== connection);
      this.emit('connection-closed', { connectionId: connection.id, bindId: connection.bind?.bindId });
      markClosed();
    });
    session.on('pdu', (pdu: SmppPdu) => {
      try {
        this.onPdu(connection, pdu);
      } catch (error) {
        // A throw here would escape through the socket's 'readable' handler and crash the process.
        this.emit('connection-error', { connectionId: connection.id, error: error as Error });
        session.destroy();
      }
    });
  }

  private setPhase(connection: Connection, phase: ConnectionPhase): void {
    connection.phase = phase;
  }

  private onPdu(connection: Connection, pdu: SmppPdu): void {
    // Responses (deliver_sm_resp, unbind_resp, generic_nack) reach their callbacks inside the package.
    if (pdu.isResponse()) return;
    switch (pdu.command) {
      case 'bind_transceiver':
      case 'bind_transmitter':
      case 'bind_receiver':
        this.onBind(connection, pdu, bindModeByCommand[pdu.command]!);
        break;
      case 'submit_sm':
        this.onSubmit(connection, pdu);
        break;
      case 'enquire_link':
        this.onEnquireLink(connection, pdu);
        break;
      case 'unbind':
        this.onUnbind(connection, pdu);
        break;
      default:
        this.respondGenericNack(connection, pdu, CommandStatus.ESME_RINVCMDID);
    }
  }

  // ---------------------------------------------------------------- responses

  /** Sends `request`'s response after the latency fault; `afterWrite` runs once it is on the wire. */
  private respond(
    connection: Connection,
    request: SmppPdu,
    fields: Record<string, unknown>,
    afterWrite?: () => void,
  ): void {
    this.afterLatency(() => {
      if (connection.phase === 'closed') return;
      connection.session.send(request.response(fields), afterWrite);
    });
  }

  private respondGenericNack(connection: Connection, request: SmppPdu, status: number): void {
    this.afterLatency(() => {
      if (connection.phase === 'closed') return;
      const nack = newPdu('generic_nack', {
        sequence_number: request.sequence_number,
        command_status: status,
      });
      connection.session.send(nack);
    });
  }

  private respondStatus(connection: Connection, request: SmppPdu, status: number): void {
    // Every request the simulator handles has a `_resp`; a status-only one carries no body.
    if (commandIdOf(`${request.command}_resp`) === undefined) {
      this.respondGenericNack(connection, request, status);
      return;
    }
    this.respond(connection, request, { command_status: status });
  }

  private afterLatency(send: () => void): void {
    const latency = this.currentFaults.latencyMs;
    if (latency > 0) this.timers.set(send, latency);
    else send();
  }

  // ---------------------------------------------------------------- binds

  private onBind(connection: Connection, pdu: SmppPdu, mode: BindMode): void {
    if (this.currentFaults.holdBinds) {
      this.heldBinds.push({ connection, pdu, mode });
      this.emit('bind-held', {
        connectionId: connection.id,
        systemId: stringField(pdu.system_id),
        mode,
        transport: connection.transport,
      });
      return;
    }
    if (connection.phase !== 'open') {
      const status =
        connection.phase === 'released' ? CommandStatus.ESME_RINVBNDSTS : CommandStatus.ESME_RALYBND;
      this.respondStatus(connection, pdu, status);
      return;
    }
    const systemId = stringField(pdu.system_id);
    const password = stringField(pdu.password);
    const state = this.accounts.get(systemId);
    if (!state) this.unknownSystemIdBinds++;
    const rejection = this.bindRejection(state, password);
    if (rejection) {
      if (state && rejection.reason !== 'unknown-system-id') state.bindsRejected[rejection.reason]++;
      this.setPhase(connection, 'released');
      this.emit('bind-rejected', {
        connectionId: connection.id,
        systemId,
        mode,
        transport: connection.transport,
        ...rejection,
      });
      this.respond(connection, pdu, { command_status: rejection.status }, () => connection.session.close());
      return;
    }
    const account = state!;
    const bind: BindRecord = {
      bindId: `b${++this.bindCount}`,
      systemId,
      mode,
      transport: connection.transport,
      boundAt: this.now(),
      releasedAt: undefined,
      submitsReceived: 0,
      accepted: new SlidingWindowCounter(RATE_WINDOW_MS),
      throttledTimes: [],
    };
    connection.bind = bind;
    this.setPhase(connection, 'bound');
    account.live.push(connection);
    account.binds.push(bind);
    account.bindsAccepted++;
    account.peakBinds = Math.max(account.peakBinds, account.live.length);
    this.emit('bind', {
      bindId: bind.bindId,
      connectionId: connection.id,
      systemId,
      mode,
      transport: connection.transport,
      remoteAddress: connection.remoteAddress,
      remotePort: connection.remotePort,
    });
    // Deliveries that waited for a receiver go out only after the bind_resp, never before it.
    this.respond(connection, pdu, { system_id: SMSC_SYSTEM_ID, sc_interface_version: 0x34 }, () => {
      if (mode !== 'transmitter') this.outbox.offerReceiver(systemId);
    });
  }

  private bindRejection(
    state: AccountState | undefined,
    password: string,
  ): { reason: BindRejectReason; status: number } | undefined {
    if (this.currentFaults.refuseBinds) return { reason: 'refused', status: CommandStatus.ESME_RSYSERR };
    if (!state) return { reason: 'unknown-system-id', status: CommandStatus.ESME_RINVSYSID };
    if (password !== state.account.password) {
      return { reason: 'invalid-password', status: CommandStatus.ESME_RINVPASWD };
    }
    if (state.live.length >= state.account.maxBinds) {
      return { reason: 'bind-limit', status: this.options.bindLimitStatus };
    }
    return undefined;
  }

  private onUnbind(connection: Connection, pdu: SmppPdu): void {
    if (connection.phase !== 'bound' && connection.phase !== 'unbinding') {
      this.respondStatus(connection, pdu, CommandStatus.ESME_RINVBNDSTS);
      return;
    }
    // The slot is free before unbind_resp leaves, so a client that rebinds right after never races us.
    this.releaseBind(connection, 'client-unbind');
    this.respond(connection, pdu, {}, () => connection.session.close());
  }

  private releaseBind(connection: Connection, reason: UnbindReason): void {
    if (connection.phase !== 'bound' && connection.phase !== 'unbinding') return;
    const bind = connection.bind!;
    this.setPhase(connection, 'released');
    bind.releasedAt = this.now();
    const live = this.accounts.get(bind.systemId)!.live;
    live.splice(live.indexOf(connection), 1);
    this.emit('unbind', { bindId: bind.bindId, systemId: bind.systemId, reason });
  }

  private onEnquireLink(connection: Connection, pdu: SmppPdu): void {
    const answered = !this.currentFaults.ignoreEnquireLink;
    this.emit('enquire-link', { connectionId: connection.id, answered });
    if (answered) this.respond(connection, pdu, {});
  }

  // ---------------------------------------------------------------- submit_sm

  private onSubmit(connection: Connection, pdu: SmppPdu): void {
    const arrivedAt = this.now();
    const bind = connection.bind;
    if (connection.phase !== 'bound' || !bind || bind.mode === 'receiver') {
      this.respondStatus(connection, pdu, CommandStatus.ESME_RINVBNDSTS);
      return;
    }
    const state = this.accounts.get(bind.systemId)!;
    state.submits.received++;
    bind.submitsReceived++;
    const destination = stringField(pdu.destination_addr);
    const drop = this.currentFaults.dropOnSubmit;
    if (drop !== null && destination.startsWith(drop.destinationPrefix)) {
      const dropped = this.droppedSubmits.get(destination) ?? 0;
      if (dropped < drop.timesEach) {
        this.droppedSubmits.set(destination, dropped + 1);
        state.submits.dropped++;
        connection.session.destroy();
        return;
      }
    }
    const rule = matchOutcomeRule(this.options.outcomeRules, bind.systemId, destination);
    const status = this.submitStatus(state, bind, arrivedAt, rule);
    const respWithheld =
      this.currentFaults.missingRespRate > 0 && this.random() < this.currentFaults.missingRespRate;
    if (respWithheld) state.submits.respsWithheld++;

    if (status !== CommandStatus.ESME_ROK) {
      state.submitErrors.set(status, (state.submitErrors.get(status) ?? 0) + 1);
      if (status === CommandStatus.ESME_RTHROTTLED) {
        state.submits.throttled++;
        bind.throttledTimes.push(arrivedAt);
      }
      this.emitSubmit(bind, pdu, destination, status, respWithheld, undefined);
      if (!respWithheld) this.respondStatus(connection, pdu, status);
      return;
    }

    bind.accepted.record(arrivedAt);
    state.submits.accepted++;
    const message = this.recordMessage(bind, pdu, destination, arrivedAt, rule, respWithheld);
    this.emitSubmit(bind, pdu, destination, status, respWithheld, message);
    const sendResp = (): void => {
      if (!respWithheld) this.respond(connection, pdu, { message_id: message.messageId });
    };
    if (!message.receiptRequested) {
      sendResp();
    } else if (this.currentFaults.earlyReceipts) {
      this.enqueueReceipt(state, message, rule, sendResp);
    } else {
      sendResp();
      this.timers.set(
        () => this.enqueueReceipt(state, message, rule),
        rule?.receiptDelayMs ?? this.options.receiptDelayMs,
      );
    }
  }

  /** The submit_sm_resp status: submitErrorStatus fault, then the rate, then the outcome rule. */
  private submitStatus(
    state: AccountState,
    bind: BindRecord,
    arrivedAt: number,
    rule: OutcomeRule | undefined,
  ): number {
    const injected = this.currentFaults.submitErrorStatus;
    if (injected && injected.count > 0) {
      const count = injected.count - 1;
      this.currentFaults.submitErrorStatus = count > 0 ? { status: injected.status, count } : null;
      return injected.status;
    }
    if (bind.accepted.countAt(arrivedAt) >= state.account.submitsPerSecond)
      return CommandStatus.ESME_RTHROTTLED;
    switch (rule?.outcome) {
      case 'invalid-destination':
        return CommandStatus.ESME_RINVDSTADR;
      case 'throttled':
        return CommandStatus.ESME_RTHROTTLED;
      case 'submit-error':
        return rule.status!;
      default:
        return CommandStatus.ESME_ROK;
    }
  }

  private recordMessage(
    bind: BindRecord,
    pdu: SmppPdu,
    destination: string,
    arrivedAt: number,
    rule: OutcomeRule | undefined,
    respWithheld: boolean,
  ): SubmittedMessage {
    const esmClass = numberField(pdu.esm_class);
    const dataCoding = numberField(pdu.data_coding);
    const shortMessage = bufferField(pdu.short_message) ?? Buffer.alloc(0);
    const messagePayload = bufferField(pdu.message_payload);
    const userData = shortMessage.length > 0 ? shortMessage : (messagePayload ?? shortMessage);
    const read = readShortMessage({ dataCoding, esmClass, userData });
    const registeredDelivery = numberField(pdu.registered_delivery);
    const outcome: OutcomeKind = rule?.outcome ?? 'delivered';
    const message: SubmittedMessage = {
      messageId: randomUUID(),
      systemId: bind.systemId,
      bindId: bind.bindId,
      sequenceNumber: pdu.sequence_number,
      serviceType: stringField(pdu.service_type),
      source: stringField(pdu.source_addr),
      sourceTon: numberField(pdu.source_addr_ton),
      sourceNpi: numberField(pdu.source_addr_npi),
      destination,
      destTon: numberField(pdu.dest_addr_ton),
      destNpi: numberField(pdu.dest_addr_npi),
      esmClass,
      dataCoding,
      registeredDelivery,
      validityPeriod: stringField(pdu.validity_period),
      shortMessage,
      messagePayload,
      udh: read.udh,
      concat: read.concat,
      encoding: read.encoding,
      text: read.text,
      arrivedAt,
      outcome,
      receiptRequested: wantsReceipt(registeredDelivery, outcome),
      respWithheld,
    };
    if (this.options.maxSubmittedMessages > 0) {
      this.submitted.push(message);
      if (this.submitted.length > this.options.maxSubmittedMessages) this.submitted.shift();
    }
    return message;
  }

  private emitSubmit(
    bind: BindRecord,
    pdu: SmppPdu,
    destination: string,
    status: number,
    respWithheld: boolean,
    message: SubmittedMessage | undefined,
  ): void {
    this.emit('submit', {
      bindId: bind.bindId,
      systemId: bind.systemId,
      sequenceNumber: pdu.sequence_number,
      destination,
      status,
      respWithheld,
      message,
    });
  }

  // ---------------------------------------------------------------- receipts and deliver_sm

  private enqueueReceipt(
    state: AccountState,
    message: SubmittedMessage,
    rule: OutcomeRule | undefined,
    onSettled?: () => void,
  ): void {
    const outcome = message.outcome as ReceiptOutcome;
    const text = formatReceiptText({
      messageId: message.messageId,
      submittedAt: message.arrivedAt,
      doneAt: this.now(),
      outcome,
      err: rule?.err,
      originalText: message.encoding === 'GSM7' || message.encoding === 'LATIN1' ? message.text : undefined,
    });
    const tlvs = this.options.receiptTlvs
      ? { receipted_message_id: message.messageId, message_state: receiptOutcomes[outcome].messageState }
      : {};
    const receipt: OutboundDeliverSm = {
      id: message.messageId,
      kind: 'receipt',
      systemId: message.systemId,
      copies: this.currentFaults.duplicateReceipts ? 2 : 1,
      fields: {
        source_addr_ton: message.destTon,
        source_addr_npi: message.destNpi,
        source_addr: message.destination,
        dest_addr_ton: message.sourceTon,
        dest_addr_npi: message.sourceNpi,
        destination_addr: message.source,
        esm_class: 0x04,
        data_coding: simulatorDataCodings.gsm,
        short_message: Buffer.from(text, 'latin1'),
        ...tlvs,
      },
    };
    state.receipts.generated++;
    this.outbox.enqueue(receipt, onSettled);
  }

  private pickReceiver(systemId: string): DeliverSmReceiver | undefined {
    const state = this.accounts.get(systemId);
    if (!state) return undefined;
    const receivers = state.live.filter(
      (connection) => connection.phase === 'bound' && connection.bind!.mode !== 'transmitter',
    );
    if (receivers.length === 0) return undefined;
    const connection = receivers[state.nextReceiver++ % receivers.length]!;
    return {
      bindId: connection.bind!.bindId,
      send: (fields, onResp) =>
        connection.session.send(newPdu('deliver_sm', { ...fields }), (resp) => onResp(resp.command_status)),
    };
  }

  private deliverCounters(item: OutboundDeliverSm): Omit<DeliverSmStats, 'outstanding'> {
    const state = this.accounts.get(item.systemId)!;
    return item.kind === 'receipt' ? state.receipts : state.mo;
  }
}

function emptyDeliverCounters(): Omit<DeliverSmStats, 'outstanding'> {
  return { generated: 0, sent: 0, duplicates: 0, redelivered: 0, answeredOk: 0, answeredError: 0 };
}

/** registered_delivery bits 0-1: 1 always, 2 only on failure, 3 (reserved) treated as 1, 0 never. */
function wantsReceipt(registeredDelivery: number, outcome: OutcomeKind): boolean {
  if (outcome === 'no-receipt') return false;
  switch (registeredDelivery & 0x03) {
    case 0:
      return false;
    case 2:
      return outcome !== 'delivered';
    default:
      return true;
  }
}

function addressOf(value: string): { address: string; ton: number; npi: number } {
  if (/^\+?\d+$/.test(value)) return { address: value.replace(/^\+/, ''), ton: 1, npi: 1 };
  return { address: value, ton: 5, npi: 0 };
}

function stringField(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function numberField(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}

function bufferField(value: unknown): Buffer | undefined {
  return Buffer.isBuffer(value) ? value : undefined;
}
