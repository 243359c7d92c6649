/**
 * A deliberately thin SMPP client over the `smpp` package for testing the simulator: it sends exactly the
 * PDUs a test asks for, logs every PDU it receives in arrival order, and answers deliver_sm and unbind the
 * way the test sets. (The fleet's own session layer lives in worker/smpp and is tested separately.)
 */
import {
  connectSmpp,
  newPdu,
  type SmppConnectOptions,
  type SmppPackageSession,
  type SmppPdu,
} from '../../../core/smpp/smppPackage.js';
import { type BindMode, bindCommandOf } from '../../../worker/smpp/types.js';
import { WAIT_MS, withTimeout } from '../../support/waitFor.js';

export interface RawClientOptions {
  port: number;
  host?: string;
  /** Connect with TLS, verifying the server against this CA (verification is always on). */
  tlsCa?: string;
}

export interface ReceivedPdu {
  readonly pdu: SmppPdu;
  /** Position among the PDUs every RawSmppClient in this process received, for cross-bind ordering. */
  readonly order: number;
}

let arrivals = 0;

export class RawSmppClient {
  readonly received: ReceivedPdu[] = [];
  readonly closed: Promise<void>;
  /** How deliver_sm are answered; null leaves them unanswered. */
  deliverSmStatus: number | null = 0;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly session: SmppPackageSession) {
    this.closed = new Promise((resolve) => session.on('close', () => resolve()));
    session.on('pdu', (pdu: SmppPdu) => {
      this.received.push({ pdu, order: ++arrivals });
      if (pdu.command === 'deliver_sm' && this.deliverSmStatus !== null) {
        session.send(pdu.response({ command_status: this.deliverSmStatus }));
      }
      if (pdu.command === 'unbind') {
        session.send(pdu.response());
        session.close();
      }
      for (const wake of this.waiters) wake();
    });
  }

  static connect(options: RawClientOptions): Promise<RawSmppClient> {
    const connectOptions: SmppConnectOptions = {
      host: options.host ?? '127.0.0.1',
      port: options.port,
      ...(options.tlsCa === undefined
        ? {}
        : {
            tls: true,
            ca: options.tlsCa,
            servername: 'localhost',
            rejectUnauthorized: true,
            minVersion: 'TLSv1.2',
          }),
    };
    const connected = new Promise<RawSmppClient>((resolve, reject) => {
      const session = connectSmpp(connectOptions, () => resolve(client));
      const client = new RawSmppClient(session);
      session.on('error', (error: Error) => reject(error));
    });
    return withTimeout(connected, `connection to port ${options.port}`);
  }

  /** Sends a request and resolves with its response (whatever its status). */
  request(command: string, fields: Record<string, unknown> = {}, timeoutMs = WAIT_MS): Promise<SmppPdu> {
    const response = new Promise<SmppPdu>((resolve, reject) => {
      if (!this.session.send(newPdu(command, fields), resolve)) reject(new Error('socket is not writable'));
    });
    return withTimeout(response, `${command}_resp`, timeoutMs);
  }

  /** Sends a request without waiting; returns its sequence number. */
  send(command: string, fields: Record<string, unknown> = {}): number {
    const pdu = newPdu(command, fields);
    this.session.send(pdu);
    return pdu.sequence_number;
  }

  bind(mode: BindMode, systemId: string, password: string): Promise<SmppPdu> {
    return this.request(bindCommandOf[mode], { system_id: systemId, password, interface_version: 0x34 });
  }

  submit(fields: Record<string, unknown> = {}): Promise<SmppPdu> {
    return this.request('submit_sm', submitFields(fields));
  }

  /** The first received PDU (already here or still to come) that satisfies `predicate`. */
  waitFor(predicate: (pdu: SmppPdu) => boolean, what: string, timeoutMs = WAIT_MS): Promise<SmppPdu> {
    let wake: (() => void) | undefined;
    const found = new Promise<SmppPdu>((resolve) => {
      wake = () => {
        const hit = this.received.find((entry) => predicate(entry.pdu));
        if (hit) resolve(hit.pdu);
      };
      this.waiters.add(wake);
      wake();
    });
    return withTimeout(found, what, timeoutMs).finally(() => {
      if (wake) this.waiters.delete(wake);
    });
  }

  /** Waits for the deliver_sm receipt of `messageId` (by the receipted_message_id TLV or the text). */
  waitForReceipt(messageId: string, timeoutMs = WAIT_MS): Promise<SmppPdu> {
    return this.waitFor((pdu) => isReceiptFor(pdu, messageId), `receipt for ${messageId}`, timeoutMs);
  }

  receiptsFor(messageId: string): ReceivedPdu[] {
    return this.received.filter((entry) => isReceiptFor(entry.pdu, messageId));
  }

  orderOf(predicate: (pdu: SmppPdu) => boolean): number | undefined {
    return this.received.find((entry) => predicate(entry.pdu))?.order;
  }

  async unbindAndClose(): Promise<void> {
    await this.request('unbind');
    await withTimeout(this.closed, 'close after unbind');
  }

  destroy(): void {
    this.session.destroy();
  }
}

export function submitFields(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    source_addr_ton: 5,
    source_addr_npi: 0,
    source_addr: 'Fleet',
    dest_addr_ton: 1,
    dest_addr_npi: 1,
    destination_addr: '447700900001',
    registered_delivery: 1,
    data_coding: 0,
    short_message: Buffer.from('Hello from the fleet', 'latin1'),
    ...fields,
  };
}

export function receiptText(pdu: SmppPdu): string {
  return Buffer.isBuffer(pdu.short_message) ? pdu.short_message.toString('latin1') : '';
}

export function isReceiptFor(pdu: SmppPdu, messageId: string): boolean {
  return (
    pdu.command === 'deliver_sm' &&
    (pdu.receipted_message_id === messageId || receiptText(pdu).startsWith(`id:${messageId} `))
  );
}

/** Closes every client, ignoring ones already gone. */
export async function closeAll(clients: readonly RawSmppClient[]): Promise<void> {
  for (const client of clients) client.destroy();
  await Promise.all(clients.map((client) => withTimeout(client.closed, 'client close')));
}
