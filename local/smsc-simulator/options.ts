/** The simulator's options: one zod schema, parsed once in the constructor, naming each bad field. */
import { z } from 'zod';
import { CommandStatus } from '../../core/smpp/commandStatus.js';
import { SmscSimulatorConfigError } from './errors.js';

/**
 * What happens to a submit_sm whose destination matches a rule:
 * - `delivered` | `undeliverable` | `expired` | `rejected`: accepted, then a receipt with that stat;
 * - `no-receipt`: accepted, never a receipt;
 * - `invalid-destination`: submit_sm_resp 0x0B (ESME_RINVDSTADR), not accepted, no receipt;
 * - `throttled`: submit_sm_resp 0x58, not accepted;
 * - `submit-error`: submit_sm_resp with the rule's `status`, not accepted.
 */
export const outcomeKinds = [
  'delivered',
  'undeliverable',
  'expired',
  'rejected',
  'no-receipt',
  'invalid-destination',
  'throttled',
  'submit-error',
] as const;
export type OutcomeKind = (typeof outcomeKinds)[number];

const portSchema = z.number().int().min(0).max(65_535);
const commandStatusSchema = z.number().int().min(1).max(0xffff_ffff);

const regexSchema = z.union([z.instanceof(RegExp), z.string().min(1)]).transform((value, ctx): RegExp => {
  try {
    // A global or sticky regex keeps state between test() calls; matching must not.
    const source = typeof value === 'string' ? value : value.source;
    const flags = typeof value === 'string' ? '' : value.flags.replace(/[gy]/g, '');
    return new RegExp(source, flags);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `not a regular expression: ${(error as Error).message}` });
    return z.NEVER;
  }
});

export const outcomeRuleSchema = z
  .strictObject({
    /** Only submits from this system_id; every account when absent. */
    systemId: z.string().min(1).optional(),
    /** destination_addr starts with this. Exactly one of `prefix` and `regex`. */
    prefix: z.string().min(1).optional(),
    /** destination_addr matches this (a RegExp or its source text). */
    regex: regexSchema.optional(),
    outcome: z.enum(outcomeKinds),
    /** The submit_sm_resp status for `submit-error` (required there, refused elsewhere). */
    status: commandStatusSchema.optional(),
    /** Overrides the receipt's usual `err:` code. */
    err: z.number().int().min(0).max(9999).optional(),
    /** Overrides `receiptDelayMs` for matching messages. */
    receiptDelayMs: z.number().int().min(0).optional(),
  })
  .superRefine((rule, ctx) => {
    if ((rule.prefix === undefined) === (rule.regex === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['prefix'], message: 'give exactly one of prefix or regex' });
    }
    if (rule.outcome === 'submit-error' && rule.status === undefined) {
      ctx.addIssue({ code: 'custom', path: ['status'], message: 'submit-error needs a status' });
    }
    if (rule.outcome !== 'submit-error' && rule.status !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['status'], message: 'status is only for submit-error' });
    }
  });
export type OutcomeRuleInput = z.input<typeof outcomeRuleSchema>;
export type OutcomeRule = z.output<typeof outcomeRuleSchema>;

export const accountSchema = z.strictObject({
  /** SMPP system_id (8x8's sub-account id); 15 characters is the protocol's limit. */
  systemId: z.string().min(1).max(15),
  password: z.string(),
  /** Concurrent binds allowed across both listeners (8x8: 4). */
  maxBinds: z.number().int().min(1).default(4),
  /** Accepted submit_sm per bind in any sliding 1000 ms (8x8: about 50, agreed per customer). */
  submitsPerSecond: z.number().int().min(1).default(50),
});
export type SmscAccountInput = z.input<typeof accountSchema>;
export type SmscAccount = z.output<typeof accountSchema>;

export const faultsSchema = z.strictObject({
  /** Delay before every response the simulator sends (bind, submit, enquire_link, unbind, nack). */
  latencyMs: z.number().int().min(0),
  /** Answer every bind with 0x08 ESME_RSYSERR (and close) until cleared. */
  refuseBinds: z.boolean(),
  /** Fraction of submit_sm whose resp is never sent (the SMSC's decision stands: see the file comment). */
  missingRespRate: z.number().min(0).max(1),
  /** The next `count` submit_sm are answered with `status`; cleared when spent. */
  submitErrorStatus: z
    .strictObject({ status: commandStatusSchema, count: z.number().int().min(0) })
    .nullable(),
  /**
   * The first `timesEach` submit_sm to each destination that starts with `destinationPrefix` (as the PDU
   * has it, no `+`) close their connection at once, unanswered and not taken: an SMSC that drops the socket
   * as it reads them. Counted from when the fault is set.
   */
  dropOnSubmit: z
    .strictObject({ destinationPrefix: z.string(), timesEach: z.number().int().min(0) })
    .nullable(),
  /** Send every receipt twice (two deliver_sm, each with its own sequence number). */
  duplicateReceipts: z.boolean(),
  /** Send the receipt before the submit_sm_resp; the resp waits until the receipt is answered. */
  earlyReceipts: z.boolean(),
  /** Stop answering enquire_link. */
  ignoreEnquireLink: z.boolean(),
  /**
   * Hold every bind request unanswered and undecided (nothing counted, no slot taken), as an SMSC slow to
   * authenticate would; clearing it decides and answers the held ones in arrival order. A held bind whose
   * client hangs up meanwhile is dropped, never bound.
   */
  holdBinds: z.boolean(),
});
export type SmscFaults = z.output<typeof faultsSchema>;

export const faultsPatchSchema = faultsSchema.partial();
export type SmscFaultsPatch = z.input<typeof faultsPatchSchema>;

export const noFaults: SmscFaults = {
  latencyMs: 0,
  refuseBinds: false,
  missingRespRate: 0,
  submitErrorStatus: null,
  dropOnSubmit: null,
  duplicateReceipts: false,
  earlyReceipts: false,
  ignoreEnquireLink: false,
  holdBinds: false,
};

const isFunction = (value: unknown): boolean => typeof value === 'function';

export const smscSimulatorOptionsSchema = z.strictObject({
  accounts: z
    .array(accountSchema)
    .min(1)
    .superRefine((accounts, ctx) => {
      const seen = new Set<string>();
      accounts.forEach((account, index) => {
        if (seen.has(account.systemId)) {
          ctx.addIssue({ code: 'custom', path: [index, 'systemId'], message: 'duplicate systemId' });
        }
        seen.add(account.systemId);
      });
    }),
  host: z.string().min(1).default('127.0.0.1'),
  /** Plain SMPP listener; 0 picks a free port. */
  port: portSchema.default(0),
  /** A second listener with TLS (1.2 or newer) and a self-signed certificate for localhost/127.0.0.1. */
  tls: z.strictObject({ port: portSchema.default(0) }).optional(),
  /** From accepting a submit_sm to sending its receipt. */
  receiptDelayMs: z.number().int().min(0).default(50),
  /** A deliver_sm not answered with status 0 (or not answered at all) is sent again after this. */
  receiptRedeliveryMs: z.number().int().min(1).default(1000),
  /** Add receipted_message_id and message_state TLVs to receipts (8x8 does not document them). */
  receiptTlvs: z.boolean().default(true),
  /** bind_resp status when an account already has maxBinds binds (8x8 says only "rejected"). */
  bindLimitStatus: commandStatusSchema.default(CommandStatus.ESME_RBINDFAIL),
  /** Checked in order; the first match decides. No match: delivered. */
  outcomeRules: z.array(outcomeRuleSchema).default([]),
  faults: faultsPatchSchema.default({}),
  /** The newest submittedMessages() kept; older ones are dropped (counters keep counting). */
  maxSubmittedMessages: z.number().int().min(0).default(100_000),
  /** Epoch milliseconds; arrival times, the rate window and receipt dates use it. */
  now: z.custom<() => number>(isFunction, 'must be a function').optional(),
  /** [0, 1); decides which submits lose their resp under missingRespRate. */
  random: z.custom<() => number>(isFunction, 'must be a function').optional(),
});
export type SmscSimulatorOptions = z.input<typeof smscSimulatorOptionsSchema>;
export type ParsedSmscSimulatorOptions = z.output<typeof smscSimulatorOptionsSchema>;

export function parseSmscSimulatorOptions(input: unknown): ParsedSmscSimulatorOptions {
  return parseOrThrow(smscSimulatorOptionsSchema, input);
}

/** A validated fault patch; keys given as undefined are dropped so they cannot unset a fault. */
export function parseFaultsPatch(input: unknown): Partial<SmscFaults> {
  const patch = parseOrThrow(faultsPatchSchema, input, ['faults']);
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
}

function parseOrThrow<T>(schema: z.ZodType<T>, input: unknown, pathPrefix: readonly string[] = []): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = [...pathPrefix, ...issue.path.map(String)];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `${[...path, key].join('.')}: unknown option`).join('; ');
    }
    return `${path.join('.') || '(options)'}: ${issue.message}`;
  });
  throw new SmscSimulatorConfigError(problems, { cause: result.error });
}

/** The first rule that applies to this destination from this account, if any. */
export function matchOutcomeRule(
  rules: readonly OutcomeRule[],
  systemId: string,
  destination: string,
): OutcomeRule | undefined {
  return rules.find((rule) => {
    if (rule.systemId !== undefined && rule.systemId !== systemId) return false;
    if (rule.prefix !== undefined) return destination.startsWith(rule.prefix);
    return rule.regex?.test(destination) ?? false;
  });
}
