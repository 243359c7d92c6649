/**
 * The traffic the fleet tests send: short, long (multipart), Unicode, messages to destinations the
 * simulator fails, and a few invalid bodies — each with the final state and part count it must end with.
 * Every valid message has its own destination, so what the simulator saw can be grouped per message.
 */

import { planText } from '../../core/encoding/segmentText.js';
import type { MessageState } from '../../core/messageState.js';
import type { OutcomeRuleInput } from '../../local/smsc-simulator/SmscSimulator.js';

export const subAccount = 'acme';

/** Destination prefixes (as the simulator sees them: no `+`) and what the simulator does with them. */
export const outcomeRules: OutcomeRuleInput[] = [
  { prefix: '6580', outcome: 'undeliverable', err: 1 },
  { prefix: '6581', outcome: 'invalid-destination' },
  { prefix: '6582', outcome: 'rejected', err: 43 },
];

export interface PlannedMessage {
  /** A send request (sent as JSON), or raw text for a body that is not JSON at all. */
  body: Record<string, unknown> | string;
  expected: MessageState;
  /** SMS parts a valid message is split into (0 for an invalid one). */
  parts: number;
  kind: 'short' | 'long' | 'unicode' | 'undeliverable' | 'rejected' | 'invalid-destination' | 'invalid';
}

/** The detail-type states a message's events may name, the final one always among them. */
export function eventStatesFor(planned: PlannedMessage): {
  required: MessageState[];
  optional: MessageState[];
} {
  switch (planned.kind) {
    case 'invalid':
    case 'invalid-destination':
      // Never accepted by 8x8: straight to the failure.
      return { required: [planned.expected], optional: [] };
    default:
      // `submitted` is skipped when every part's receipt was matched before the submission was recorded
      // (the record goes submitting → final in one write, so there is no submitted state to announce).
      return { required: [planned.expected], optional: ['submitted'] };
  }
}

const from = 'ACME';
const lorem =
  'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore ' +
  'et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut ' +
  'aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum ' +
  'dolore eu fugiat nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui ' +
  'officia deserunt mollit anim id est laborum.';

function destination(prefix: string, run: string, index: number): string {
  return `+${prefix}${run}${String(index).padStart(5, '0')}`;
}

/**
 * `count` messages (at least 100), in a shuffled but fixed order: 10 invalid bodies, 3% each to the
 * undeliverable, receipt-rejected and refused (invalid destination) prefixes, 10% long GSM, 10% Unicode
 * (half of them multipart), the rest short. `run` (2 digits) keeps destinations apart between batches.
 */
export function messageMix(count: number, run: string): PlannedMessage[] {
  const planned: PlannedMessage[] = [];
  const valid = (kind: PlannedMessage['kind'], expected: MessageState, to: string, text: string) => {
    planned.push({
      body: { subAccount, to, from, text, clientReference: `${kind}-${planned.length}` },
      expected,
      parts: planText(text).totalParts,
      kind,
    });
  };
  const invalid: PlannedMessage['body'][] = [
    '{"subAccount": "acme", "to": ',
    { subAccount, to: '+65 9123 4567', from, text: 'spaces in the number' },
    { subAccount, to: destination('6599', run, 1), from, text: '' },
    { subAccount, to: destination('6599', run, 2), from: 'A sender that is too long', text: 'hi' },
    { subAccount, to: destination('6599', run, 3), from, text: 'x'.repeat(1_601) },
    { subAccount, to: destination('6599', run, 4), from, message: 'a field from another API' },
    { subAccount: 'someone-else', to: destination('6599', run, 5), from, text: 'wrong queue' },
    { subAccount, to: destination('6599', run, 6), from, text: 'hi', validityPeriod: 5 },
    { subAccount, to: 6591234567, from, text: 'a number, not a string' },
    'not json at all',
  ];
  for (const body of invalid) planned.push({ body, expected: 'failed', parts: 0, kind: 'invalid' });

  const share = (fraction: number) => Math.floor(count * fraction);
  for (let i = 0; i < share(0.03); i += 1) {
    valid('undeliverable', 'undeliverable', destination('6580', run, i), `Your parcel ${i} is on its way`);
    valid('rejected', 'rejected', destination('6582', run, i), `Promo ${i}: 50% off today only`);
    valid('invalid-destination', 'rejected', destination('6581', run, i), `Reminder ${i}`);
  }
  for (let i = 0; i < share(0.1); i += 1) {
    // 2 or 3 parts; the GSM extension characters (€ [ ]) count two septets each.
    const text = `Statement ${i} [€${i}]: ${lorem.slice(0, i % 2 === 0 ? 250 : 400)}`;
    valid('long', 'delivered', destination('6591', run, i), text);
  }
  for (let i = 0; i < share(0.1); i += 1) {
    const text =
      i % 2 === 0
        ? `您的验证码是 ${100_000 + i}，请勿告诉他人 🙂`
        : `第${i}条：${'这是一条很长的中文短信，用来测试多段发送。'.repeat(5)} 🎉`;
    valid('unicode', 'delivered', destination('6592', run, i), text);
  }
  for (let i = 0; planned.length < count; i += 1) {
    valid('short', 'delivered', destination('6590', run, i), `Your code is ${String(i).padStart(6, '0')}`);
  }
  return shuffled(planned);
}

/** A fixed permutation (a small LCG), so every run sends the same order and failures reproduce. */
function shuffled<T>(items: readonly T[]): T[] {
  const result = [...items];
  let seed = 12_345;
  for (let i = result.length - 1; i > 0; i -= 1) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = seed % (i + 1);
    [result[i], result[j]] = [result[j] as T, result[i] as T];
  }
  return result;
}

/** `count` requests with an idempotency key, each twice in a row (two SQS messages, one SMS expected). */
export function keyedTwice(count: number, run: string): Array<Record<string, unknown>> {
  return Array.from({ length: count }, (_, i) => {
    const body = {
      subAccount,
      to: destination('6594', run, i),
      from,
      text: `Order ${run}-${i} confirmed`,
      idempotencyKey: `order-${run}-${i}`,
    };
    return [body, { ...body }];
  }).flat();
}
