// Narrow declarations for the parts of `smpp` 0.5.1 this project uses (the package ships none and
// @types/smpp does not exist). Only core/smpp/smppPackage.ts imports `smpp`; everything else goes
// through its typed re-exports, so widen these declarations there when a new call is needed.
declare module 'smpp' {
  import type { EventEmitter } from 'node:events';
  import type { Server as NetServer, Socket } from 'node:net';
  import type { SecureContextOptions } from 'node:tls';

  /** A decoded PDU: header fields plus whichever body fields and TLVs its command carries. */
  export interface PDU {
    command: string;
    command_id: number;
    command_length: number;
    command_status: number;
    sequence_number: number;
    [field: string]: unknown;
    isResponse(): boolean;
    response(options?: Record<string, unknown>): PDU;
    toBuffer(): Buffer;
  }

  export interface PDUConstructor {
    new (command: string, options?: Record<string, unknown>): PDU;
    new (buffer: Buffer): PDU;
    maxLength: number;
  }

  export const PDU: PDUConstructor;

  export interface Session extends EventEmitter {
    readonly socket: Socket;
    server?: Server;
    send(pdu: PDU, responseCallback?: (pdu: PDU) => void, sendCallback?: (pdu: PDU) => void): boolean;
    pause(): void;
    resume(): void;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
  }

  export interface ConnectOptions {
    host: string;
    port: number;
    tls?: boolean;
    servername?: string;
    rejectUnauthorized?: boolean;
    ca?: string | Buffer | Array<string | Buffer>;
    minVersion?: 'TLSv1.2' | 'TLSv1.3';
  }

  export function connect(options: ConnectOptions, listener?: () => void): Session;

  export interface Server extends NetServer {
    sessions: Session[];
  }

  export interface ServerOptions extends SecureContextOptions {}

  export function createServer(options: ServerOptions, listener?: (session: Session) => void): Server;
  export function createServer(listener?: (session: Session) => void): Server;
}

declare module 'smpp/lib/defs.js' {
  /** How the package turns a field between its wire bytes and the value on a PDU object. */
  export interface FieldFilter {
    encode(this: Record<string, unknown>, value: unknown): unknown;
    decode(this: Record<string, unknown>, value: unknown, skipUdh?: boolean): unknown;
  }

  export interface TlvDefinition {
    id: number;
    tag: string;
    type: unknown;
    filter?: FieldFilter;
  }

  export interface CommandDefinition {
    id: number;
    command: string;
    params?: Record<string, { type: unknown; filter?: FieldFilter; default?: unknown }>;
  }

  export const errors: Record<string, number>;
  export const commands: Record<string, CommandDefinition>;
  export const commandsById: Record<number, CommandDefinition>;
  export const tlvs: Record<string, TlvDefinition>;
}
