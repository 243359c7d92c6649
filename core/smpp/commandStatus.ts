/**
 * Every SMPP command_status we can be answered with, and what to do about it.
 *
 * Codes and names follow SMPP 3.4 (§5.1.3); 0x0100–0x0112 come from SMPP 5.0, which the `smpp` package
 * also knows. Where 3.4 and 5.0 name a code differently (the TLV errors 0xC0–0xC4) the 3.4 name is `name`
 * and the 5.0/package name is an alias.
 *
 * `retry` answers one question: may the same PDU succeed if it is sent again later, on this or another
 * bind? An error resp means the SMSC did not take the message, so a retry never duplicates an SMS; the
 * price of a wrong 'retryable' is a few wasted attempts (the caller caps them), the price of a wrong
 * 'final' is a message that was never sent. The ambiguous ones:
 * - 0x45 ESME_RSUBMITFAIL 'final': the SMSC made a decision about this submission (no route, no credit,
 *   content refused); resending seconds later gets the same answer (Kannel treats it the same way).
 * - 0xFE ESME_RDELIVERYFAILURE 'final': delivery to the handset was attempted and failed, like an UNDELIV
 *   receipt; resending is a new delivery attempt the caller should choose, not an automatic retry.
 * - 0xFF ESME_RUNKNOWNERR 'retryable': the SMSC states no decision, and in practice it is an internal fault.
 * - 0x04 ESME_RINVBNDSTS 'retryable': the session is broken, not the message; it succeeds on a healthy bind.
 * - Codes not in the table, including the vendor range 0x0400–0x04FF, default to 'final': vendors use that
 *   range mostly for account, route and content refusals. An operator who learns that a vendor code is
 *   transient passes an override to `isRetryableStatus`.
 */

export type RetryClass = 'retryable' | 'final';

export interface CommandStatusInfo {
  readonly code: number;
  readonly name: string;
  /** Other names for the same code (SMPP 5.0 or the `smpp` package). */
  readonly aliases?: readonly string[];
  readonly description: string;
  readonly retry: RetryClass;
}

/** The codes the worker and the simulator name in code. */
export const CommandStatus = {
  ESME_ROK: 0x00,
  ESME_RINVCMDID: 0x03,
  ESME_RINVBNDSTS: 0x04,
  ESME_RALYBND: 0x05,
  ESME_RSYSERR: 0x08,
  ESME_RINVDSTADR: 0x0b,
  ESME_RBINDFAIL: 0x0d,
  ESME_RINVPASWD: 0x0e,
  ESME_RINVSYSID: 0x0f,
  ESME_RMSGQFUL: 0x14,
  ESME_RTHROTTLED: 0x58,
  ESME_RX_T_APPN: 0x64,
  ESME_RX_P_APPN: 0x65,
  ESME_RX_R_APPN: 0x66,
  ESME_RUNKNOWNERR: 0xff,
} as const;

const entry = (
  code: number,
  name: string,
  description: string,
  retry: RetryClass,
  aliases?: readonly string[],
): CommandStatusInfo =>
  aliases ? { code, name, aliases, description, retry } : { code, name, description, retry };

const table: readonly CommandStatusInfo[] = [
  // ESME_ROK is success, not an error; 'final' only because there is nothing to retry.
  entry(0x00, 'ESME_ROK', 'No error', 'final'),
  entry(0x01, 'ESME_RINVMSGLEN', 'Message length is invalid', 'final'),
  entry(0x02, 'ESME_RINVCMDLEN', 'Command length is invalid', 'final'),
  entry(0x03, 'ESME_RINVCMDID', 'Invalid command id', 'final'),
  entry(
    0x04,
    'ESME_RINVBNDSTS',
    'Incorrect bind status for the command (session not bound as needed)',
    'retryable',
  ),
  entry(0x05, 'ESME_RALYBND', 'ESME already in bound state', 'final'),
  entry(0x06, 'ESME_RINVPRTFLG', 'Invalid priority flag', 'final'),
  entry(0x07, 'ESME_RINVREGDLVFLG', 'Invalid registered delivery flag', 'final'),
  entry(0x08, 'ESME_RSYSERR', 'System error at the SMSC', 'retryable'),
  entry(0x0a, 'ESME_RINVSRCADR', 'Invalid source address', 'final'),
  entry(0x0b, 'ESME_RINVDSTADR', 'Invalid destination address', 'final'),
  entry(0x0c, 'ESME_RINVMSGID', 'Message id is invalid', 'final'),
  entry(0x0d, 'ESME_RBINDFAIL', 'Bind failed', 'final'),
  entry(0x0e, 'ESME_RINVPASWD', 'Invalid password', 'final'),
  entry(0x0f, 'ESME_RINVSYSID', 'Invalid system id', 'final'),
  entry(0x11, 'ESME_RCANCELFAIL', 'cancel_sm failed', 'final'),
  entry(0x13, 'ESME_RREPLACEFAIL', 'replace_sm failed', 'final'),
  entry(0x14, 'ESME_RMSGQFUL', 'Message queue full at the SMSC', 'retryable'),
  entry(0x15, 'ESME_RINVSERTYP', 'Invalid service type', 'final'),
  entry(0x33, 'ESME_RINVNUMDESTS', 'Invalid number of destinations', 'final'),
  entry(0x34, 'ESME_RINVDLNAME', 'Invalid distribution list name', 'final'),
  entry(0x40, 'ESME_RINVDESTFLAG', 'Destination flag is invalid (submit_multi)', 'final'),
  entry(0x42, 'ESME_RINVSUBREP', "Invalid 'submit with replace' request", 'final'),
  entry(0x43, 'ESME_RINVESMCLASS', 'Invalid esm_class field data', 'final'),
  entry(0x44, 'ESME_RCNTSUBDL', 'Cannot submit to distribution list', 'final'),
  entry(0x45, 'ESME_RSUBMITFAIL', 'submit_sm or submit_multi failed', 'final'),
  entry(0x48, 'ESME_RINVSRCTON', 'Invalid source address TON', 'final'),
  entry(0x49, 'ESME_RINVSRCNPI', 'Invalid source address NPI', 'final'),
  entry(0x50, 'ESME_RINVDSTTON', 'Invalid destination address TON', 'final'),
  entry(0x51, 'ESME_RINVDSTNPI', 'Invalid destination address NPI', 'final'),
  entry(0x53, 'ESME_RINVSYSTYP', 'Invalid system_type field', 'final'),
  entry(0x54, 'ESME_RINVREPFLAG', 'Invalid replace_if_present flag', 'final'),
  entry(0x55, 'ESME_RINVNUMMSGS', 'Invalid number of messages', 'final'),
  entry(0x58, 'ESME_RTHROTTLED', 'Throttled: the ESME exceeded its allowed message rate', 'retryable'),
  entry(0x61, 'ESME_RINVSCHED', 'Invalid scheduled delivery time', 'final'),
  entry(0x62, 'ESME_RINVEXPIRY', 'Invalid message validity period (expiry time)', 'final'),
  entry(0x63, 'ESME_RINVDFTMSGID', 'Predefined message invalid or not found', 'final'),
  entry(0x64, 'ESME_RX_T_APPN', 'ESME receiver temporary application error', 'retryable'),
  entry(0x65, 'ESME_RX_P_APPN', 'ESME receiver permanent application error', 'final'),
  entry(0x66, 'ESME_RX_R_APPN', 'ESME receiver rejected the message', 'final'),
  entry(0x67, 'ESME_RQUERYFAIL', 'query_sm failed', 'final'),
  entry(0xc0, 'ESME_RINVOPTPARSTREAM', 'Error in the optional (TLV) part of the PDU body', 'final', [
    'ESME_RINVTLVSTREAM',
  ]),
  entry(0xc1, 'ESME_ROPTPARNOTALLWD', 'Optional parameter (TLV) not allowed', 'final', ['ESME_RTLVNOTALLWD']),
  entry(0xc2, 'ESME_RINVPARLEN', 'Invalid optional parameter (TLV) length', 'final', ['ESME_RINVTLVLEN']),
  entry(0xc3, 'ESME_RMISSINGOPTPARAM', 'Expected optional parameter (TLV) missing', 'final', [
    'ESME_RMISSINGTLV',
  ]),
  entry(0xc4, 'ESME_RINVOPTPARAMVAL', 'Invalid optional parameter (TLV) value', 'final', ['ESME_RINVTLVVAL']),
  entry(0xfe, 'ESME_RDELIVERYFAILURE', 'Delivery failure', 'final'),
  entry(0xff, 'ESME_RUNKNOWNERR', 'Unknown error', 'retryable'),
  // SMPP 5.0 additions.
  entry(0x100, 'ESME_RSERTYPUNAUTH', 'ESME not authorised to use the service type', 'final'),
  entry(0x101, 'ESME_RPROHIBITED', 'ESME prohibited from using the operation', 'final'),
  // "Unavailable", unlike 0x103 "denied": the service may come back.
  entry(0x102, 'ESME_RSERTYPUNAVAIL', 'Service type is unavailable', 'retryable'),
  entry(0x103, 'ESME_RSERTYPDENIED', 'Service type is denied', 'final'),
  entry(0x104, 'ESME_RINVDCS', 'Invalid data coding scheme', 'final'),
  entry(0x105, 'ESME_RINVSRCADDRSUBUNIT', 'Source address subunit is invalid', 'final'),
  entry(0x106, 'ESME_RINVDSTADDRSUBUNIT', 'Destination address subunit is invalid', 'final'),
  entry(0x107, 'ESME_RINVBCASTFREQINT', 'Broadcast frequency interval is invalid', 'final'),
  entry(0x108, 'ESME_RINVBCASTALIAS_NAME', 'Broadcast alias name is invalid', 'final'),
  entry(0x109, 'ESME_RINVBCASTAREAFMT', 'Broadcast area format is invalid', 'final'),
  entry(0x10a, 'ESME_RINVNUMBCAST_AREAS', 'Number of broadcast areas is invalid', 'final'),
  entry(0x10b, 'ESME_RINVBCASTCNTTYPE', 'Broadcast content type is invalid', 'final'),
  entry(0x10c, 'ESME_RINVBCASTMSGCLASS', 'Broadcast message class is invalid', 'final'),
  entry(0x10d, 'ESME_RBCASTFAIL', 'broadcast_sm failed', 'final'),
  entry(0x10e, 'ESME_RBCASTQUERYFAIL', 'query_broadcast_sm failed', 'final'),
  entry(0x10f, 'ESME_RBCASTCANCELFAIL', 'cancel_broadcast_sm failed', 'final'),
  entry(0x110, 'ESME_RINVBCAST_REP', 'Number of repeated broadcasts is invalid', 'final'),
  entry(0x111, 'ESME_RINVBCASTSRVGRP', 'Broadcast service group is invalid', 'final'),
  entry(0x112, 'ESME_RINVBCASTCHANIND', 'Broadcast channel indicator is invalid', 'final'),
];

/** All known statuses, in code order. */
export const commandStatuses: readonly CommandStatusInfo[] = table;

const byCode = new Map(table.map((info) => [info.code, info]));

/** The retry class of a code that is not in the table (see the policy at the top of this file). */
export const unknownStatusRetry: RetryClass = 'final';

const isVendorSpecific = (code: number): boolean => code >= 0x400 && code <= 0x4ff;

const hex8 = (code: number): string => (code >>> 0).toString(16).toUpperCase().padStart(8, '0');

/** Name, description and retry class of any command_status; never throws. */
export function describeCommandStatus(code: number): CommandStatusInfo {
  const known = byCode.get(code);
  if (known) return known;
  return {
    code,
    name: `UNKNOWN_0x${hex8(code)}`,
    description: isVendorSpecific(code)
      ? 'SMSC vendor-specific error (0x0400-0x04FF)'
      : 'Reserved or unknown command_status',
    retry: unknownStatusRetry,
  };
}

/**
 * True when the same PDU may succeed if sent again later. `overrides` lets an operator reclassify codes
 * (typically vendor-specific ones) without a code change.
 */
export function isRetryableStatus(code: number, overrides?: Readonly<Record<number, RetryClass>>): boolean {
  const retry = overrides?.[code] ?? describeCommandStatus(code).retry;
  return retry === 'retryable';
}

/**
 * How a rejected bind should back off:
 * - 'credentials': what we send is wrong and stays wrong until an operator fixes the config (bad
 *   password, system_id or system_type, or the account is barred). Back off long and alert.
 * - 'capacity': the SMSC refuses the bind for now, typically because its bind count for the system_id is
 *   full (SMPP 3.4 has no dedicated code, so SMSCs answer the generic 0x0D ESME_RBINDFAIL or 0x05), or it
 *   throttles binds. It clears when a dead bind times out on the SMSC side: back off longer.
 * - 'transient': a fault at the SMSC that usually clears quickly: normal backoff.
 *
 * 0x0D is 'capacity', not 'credentials': it is the code a 5th bind most likely gets, and the design
 * requires that case to keep retrying (slowly). Codes not listed are 'capacity': never a tight loop,
 * never given up on.
 */
export type BindFailureKind = 'credentials' | 'capacity' | 'transient';

const bindFailureKinds: ReadonlyMap<number, BindFailureKind> = new Map<number, BindFailureKind>([
  [0x0e, 'credentials'], // ESME_RINVPASWD
  [0x0f, 'credentials'], // ESME_RINVSYSID
  [0x53, 'credentials'], // ESME_RINVSYSTYP
  [0x101, 'credentials'], // ESME_RPROHIBITED
  [0x0d, 'capacity'], // ESME_RBINDFAIL
  [0x05, 'capacity'], // ESME_RALYBND
  [0x14, 'capacity'], // ESME_RMSGQFUL
  [0x58, 'capacity'], // ESME_RTHROTTLED: we bind too often
  [0x08, 'transient'], // ESME_RSYSERR
  [0x64, 'transient'], // ESME_RX_T_APPN
  [0xff, 'transient'], // ESME_RUNKNOWNERR
]);

/** Classifies the command_status of a failed bind_*_resp (see `BindFailureKind`). */
export function bindFailureKind(code: number): BindFailureKind {
  return bindFailureKinds.get(code) ?? 'capacity';
}
