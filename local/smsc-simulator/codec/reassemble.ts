/**
 * Concatenated parts → whole messages, as a handset joins them: by sender, recipient and the UDH's reference
 * and total, user data in sequence order, decoded once the parts are joined (so a character split across
 * parts still comes out whole).
 */
import type { SubmittedMessage } from '../SubmittedMessage.js';
import { decodePayload, type ShortMessageEncoding } from './shortMessage.js';

export interface ReassembledMessage {
  readonly systemId: string;
  readonly source: string;
  readonly destination: string;
  readonly encoding: ShortMessageEncoding;
  /** The parts in sequence order, the first copy of each; one for a message without a concatenation UDH. */
  readonly parts: readonly SubmittedMessage[];
  /** Every part from 1 to total arrived. */
  readonly complete: boolean;
  /** The joined text; undefined for BINARY or while parts are missing. */
  readonly text: string | undefined;
}

/** Groups accepted submits into messages, in order of each message's first part to arrive. */
export function reassembleMessages(submitted: readonly SubmittedMessage[]): ReassembledMessage[] {
  const groups = new Map<string, { first: SubmittedMessage; parts: Map<number, SubmittedMessage> }>();
  submitted.forEach((message, index) => {
    const concat = message.concat;
    const key =
      concat === undefined
        ? `single#${index}`
        : [
            message.systemId,
            message.source,
            message.destination,
            message.encoding,
            concat.reference,
            concat.total,
          ].join('#');
    const group = groups.get(key) ?? { first: message, parts: new Map<number, SubmittedMessage>() };
    groups.set(key, group);
    const sequence = concat?.sequence ?? 1;
    if (!group.parts.has(sequence)) group.parts.set(sequence, message);
  });
  return [...groups.values()].map(({ first, parts }) => {
    const total = first.concat?.total ?? 1;
    const ordered = [...parts.entries()].sort(([a], [b]) => a - b).map(([, part]) => part);
    const complete = ordered.length === total;
    return {
      systemId: first.systemId,
      source: first.source,
      destination: first.destination,
      encoding: first.encoding,
      parts: ordered,
      complete,
      text: complete ? decodePayload(first.encoding, Buffer.concat(ordered.map(payloadOf))) : undefined,
    };
  });
}

function payloadOf(message: SubmittedMessage): Buffer {
  const userData =
    message.shortMessage.length > 0 ? message.shortMessage : (message.messagePayload ?? Buffer.alloc(0));
  return userData.subarray(message.udh?.length ?? 0);
}
