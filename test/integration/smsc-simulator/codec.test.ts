/**
 * Text over real sockets, each end with its own codec: the worker's SmppBind sends core/encoding's parts to the
 * simulator, which reads and reassembles them with local/smsc-simulator/codec; the simulator sends MO messages
 * with its codec, which the worker's bind receives and core/encoding decodes. Every GSM 03.38 character and a
 * set of texts beyond the BMP must arrive as they left, both ways.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeShortMessage } from '../../../core/encoding/decodeShortMessage.js';
import { segmentText } from '../../../core/encoding/segmentText.js';
import { CommandStatus } from '../../../core/smpp/commandStatus.js';
import { gsmCharacters } from '../../../local/smsc-simulator/codec/gsm0338.js';
import { reassembleMessages, SmscSimulator } from '../../../local/smsc-simulator/SmscSimulator.js';
import type { SmppBind } from '../../../worker/smpp/SmppBind.js';
import type { DeliverSm } from '../../../worker/smpp/types.js';
import { astralTexts, everyGsmCharacter, longAstralTexts } from '../../support/codecTexts.js';
import { nextEvent, withTimeout } from '../../support/waitFor.js';
import { bindTo, password, startBound, systemId, textPart } from '../smpp/bindFixture.js';

let sim: SmscSimulator;
let bind: SmppBind;
const received: DeliverSm[] = [];

beforeAll(async () => {
  // Receipts are not what this file checks; a long delay keeps them out of `received`.
  sim = new SmscSimulator({ accounts: [{ systemId, password }], receiptDelayMs: 60_000 });
  const { port } = await sim.start();
  bind = await startBound(
    bindTo(port, {
      onDeliverSm: async (deliverSm) => {
        received.push(deliverSm);
        return CommandStatus.ESME_ROK;
      },
    }),
  );
});

afterAll(async () => {
  await bind?.stop();
  await sim?.stop();
});

describe('text between the worker and the simulator, each with its own codec', () => {
  it('every GSM character and every astral text the worker sends reaches the simulator as sent', async () => {
    const texts = [everyGsmCharacter, everyGsmCharacter.repeat(3), ...astralTexts, ...longAstralTexts];
    const destinations = texts.map((_, index) => `6591${String(index).padStart(6, '0')}`);
    for (const [index, text] of texts.entries()) {
      const { parts } = segmentText(text, { maxParts: 255, concatReference: index });
      for (const part of parts) {
        const outcome = await bind.submit({
          ...textPart(destinations[index] as string, ''),
          esmClass: part.esmClass,
          dataCoding: part.dataCoding,
          shortMessage: part.shortMessage,
        });
        expect(outcome).toMatchObject({ accepted: true });
      }
    }
    const messages = reassembleMessages(sim.submittedMessages());
    expect(messages.map((message) => ({ to: message.destination, text: message.text }))).toEqual(
      texts.map((text, index) => ({ to: destinations[index], text })),
    );
    expect(messages.every((message) => message.complete)).toBe(true);
  });

  it('every GSM character and every astral text the simulator sends as MO reaches the worker as sent', async () => {
    // One deliver_sm carries at most 140 octets: the basic table (127 septets) and the extension table
    // (10 characters, 20 septets) go as two messages.
    const texts = [gsmCharacters.basic.join(''), gsmCharacters.extension.join(''), ...astralTexts];
    received.length = 0;
    for (const text of texts) {
      const answered = nextEvent<{ kind: string }>(sim, 'deliver-resp', (event) => event.kind === 'mo');
      sim.sendMobileOriginated(systemId, { from: '447700900555', to: '12345', text });
      await withTimeout(answered, `the MO ${JSON.stringify(text.slice(0, 10))} to be answered`);
    }
    const decoded = received.map((deliverSm) => decodeShortMessage(deliverSm));
    expect(decoded.map(({ text }) => text)).toEqual(texts);
    expect(decoded.map(({ encoding }) => encoding)).toEqual([
      'GSM7',
      'GSM7',
      ...astralTexts.map(() => 'UCS2'),
    ]);
  });
});
