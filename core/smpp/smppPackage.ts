/**
 * The one place that imports the `smpp` package: the worker's sessions and the simulator's server both use these
 * typed re-exports (it lives in core/ because both sides need the same raw-bytes patch below).
 *
 * Version choice: `smpp` is pinned to exactly 0.5.1, not 0.6.0-rc.4, because
 * - 0.6.0-rc.4 turns TLS certificate verification off by default (`rejectUnauthorized = false`), the
 *   opposite of what a link carrying customer traffic to 8x8 needs;
 * - it pulls in `findhit-proxywrap`, an unmaintained module that monkey-patches `net` for PROXY-protocol
 *   servers, which we never use;
 * - its other additions (connect timeout, debug/metric events, a failure callback on unwritable sockets)
 *   are things our own session layer does anyway (timeouts per request, typed errors, status events);
 * - 0.5.1 is a final release, and it is the version whose CPU cost was measured (reference/measured-here.md).
 *
 * Raw message bytes: the package decodes `short_message` and `message_payload` into strings with its own
 * (partial) GSM and UDH handling. Every encoding decision of ours lives in core/encoding, so this module
 * replaces those two field filters with pass-throughs: outgoing fields must already be Buffers and incoming
 * ones stay Buffers. The time fields (`schedule_delivery_time`, `validity_period`) likewise stay the
 * strings SMPP writes: the package would turn them into Dates (a relative time against the local clock of
 * whoever decodes it) and turn a short string into a relative time; the worker writes its own absolute time
 * (worker/smpp/validityPeriod.ts) and the simulator records what came. The patch is applied once, on first
 * import, before any PDU is built or parsed.
 */
import { createRequire } from 'node:module';
import type * as Smpp from 'smpp';
import type * as SmppDefs from 'smpp/lib/defs.js';

const require = createRequire(import.meta.url);
const smpp = require('smpp') as typeof Smpp;
const defs = require('smpp/lib/defs.js') as typeof SmppDefs;

export type SmppPdu = Smpp.PDU;
export type SmppPackageSession = Smpp.Session;
export type SmppPackageServer = Smpp.Server;
export type SmppConnectOptions = Smpp.ConnectOptions;
export type SmppServerOptions = Smpp.ServerOptions;

const rawBytes: SmppDefs.FieldFilter = {
  encode: (value) => value,
  decode: (value) => value,
};

const timeFields = ['schedule_delivery_time', 'validity_period'] as const;

function keepMessageBytesRaw(): void {
  for (const command of Object.values(defs.commands)) {
    const field = command.params?.short_message;
    if (field) field.filter = rawBytes;
    for (const name of timeFields) {
      const time = command.params?.[name];
      if (time) time.filter = rawBytes;
    }
  }
  const payload = defs.tlvs.message_payload;
  if (payload) payload.filter = rawBytes;
}

keepMessageBytesRaw();

/** Opens a client socket and starts the SMPP session on it; bind is a separate request. */
export function connectSmpp(options: SmppConnectOptions, onConnected: () => void): SmppPackageSession {
  return smpp.connect(options, onConnected);
}

/** An SMPP server (plain, or TLS when `key` and `cert` are given), as the simulator needs. */
export function createSmppServer(
  options: SmppServerOptions,
  onSession: (session: SmppPackageSession) => void,
): SmppPackageServer {
  return smpp.createServer(options, onSession);
}

/** Builds a PDU by command name, e.g. `newPdu('submit_sm', {...})`. */
export function newPdu(command: string, fields: Record<string, unknown> = {}): SmppPdu {
  return new smpp.PDU(command, fields);
}

/** Parses one whole PDU from its bytes (used by tests and the simulator's fault injection). */
export function parsePdu(bytes: Buffer): SmppPdu {
  return new smpp.PDU(bytes);
}

/** The command ids the package knows, by name (`submit_sm` → 0x00000004). */
export function commandIdOf(command: string): number | undefined {
  return defs.commands[command]?.id;
}

/** The largest PDU the package accepts; longer ones are a framing error. */
export const maxPduLength: number = smpp.PDU.maxLength;
