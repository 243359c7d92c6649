/**
 * The worker's encoding (core/encoding) and the simulator's own codec must agree character by character, in
 * both directions. Neither is derived from the other, so a wrong entry in either GSM table, or a UCS-2 slip
 * with surrogate pairs, fails here instead of passing a round trip through one implementation.
 */
import { describe, expect, it } from 'vitest';
import { decodeGsm7, encodeGsm7, gsm7SeptetsOf, isGsm7Encodable } from '../../../../core/encoding/gsm7.js';
import { segmentText } from '../../../../core/encoding/segmentText.js';
import { decodeUcs2, encodeUcs2 } from '../../../../core/encoding/ucs2.js';
import {
  decodeGsm0338,
  encodeGsm0338,
  gsmCharacters,
} from '../../../../local/smsc-simulator/codec/gsm0338.js';
import { reassembleMessages } from '../../../../local/smsc-simulator/codec/reassemble.js';
import { readShortMessage } from '../../../../local/smsc-simulator/codec/shortMessage.js';
import { decodeUtf16Be, encodeUtf16Be } from '../../../../local/smsc-simulator/codec/ucs2.js';
import type { SubmittedMessage } from '../../../../local/smsc-simulator/SubmittedMessage.js';
import { astralTexts, everyGsmCharacter, longAstralTexts } from '../../../support/codecTexts.js';

/** With the u flag a surrogate pair is one code point, so this matches only a half of one. */
const loneSurrogate = /[\uD800-\uDFFF]/u;

const allGsm = [...gsmCharacters.basic, ...gsmCharacters.extension];

function codePointOf(char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Each GSM character that does not come back as itself, as `U+… → U+…` (or `→ nothing`). */
function misread(roundTrip: (char: string) => string): string[] {
  return allGsm
    .map((char) => ({ char, read: roundTrip(char) }))
    .filter(({ char, read }) => read !== char)
    .map(({ char, read }) => `${codePointOf(char)} → ${read === '' ? 'nothing' : codePointOf(read)}`);
}

describe('GSM 03.38: the worker and the simulator', () => {
  it('knows 127 basic and 10 extension characters', () => {
    expect(gsmCharacters.basic).toHaveLength(127);
    expect(gsmCharacters.extension).toHaveLength(10);
  });

  it('the simulator reads every character the worker encodes as that character', () => {
    expect(misread((char) => decodeGsm0338(encodeGsm7(char)))).toEqual([]);
    expect(decodeGsm0338(encodeGsm7(everyGsmCharacter))).toBe(everyGsmCharacter);
  });

  it('the worker reads every character the simulator encodes as that character', () => {
    expect(misread((char) => decodeGsm7(encodeGsm0338(char) ?? Buffer.alloc(0)))).toEqual([]);
    expect(decodeGsm7(encodeGsm0338(everyGsmCharacter) ?? Buffer.alloc(0))).toBe(everyGsmCharacter);
  });

  it('both give every character the same octets, an extension character two', () => {
    for (const char of allGsm) {
      expect(encodeGsm7(char), codePointOf(char)).toEqual(encodeGsm0338(char));
      expect(gsm7SeptetsOf(char), codePointOf(char)).toBe(encodeGsm0338(char)?.length);
    }
  });

  it('both refuse the same characters (Latin-1, Greek, general punctuation and the euro block)', () => {
    const ranges = [
      [0x0000, 0x03ff],
      [0x2000, 0x20ff],
    ] as const;
    const disagree: string[] = [];
    for (const [from, to] of ranges) {
      for (let cp = from; cp <= to; cp++) {
        const char = String.fromCodePoint(cp);
        if (isGsm7Encodable(char) !== (encodeGsm0338(char) !== undefined)) disagree.push(codePointOf(char));
      }
    }
    expect(disagree).toEqual([]);
  });
});

describe('UCS-2 beyond the BMP: the worker and the simulator', () => {
  it.each([...astralTexts, ...longAstralTexts])('agree on the bytes of %s in both directions', (text) => {
    expect(encodeUcs2(text)).toEqual(encodeUtf16Be(text));
    expect(decodeUtf16Be(encodeUcs2(text))).toBe(text);
    expect(decodeUcs2(encodeUtf16Be(text))).toBe(text);
  });
});

describe("the worker's parts, reassembled by the simulator", () => {
  const texts = [everyGsmCharacter, everyGsmCharacter.repeat(3), ...astralTexts, ...longAstralTexts];

  it.each(texts.map((text) => [text.slice(0, 24), text]))('give back the text (%s…)', (_label, text) => {
    const segmented = segmentText(text, { maxParts: 255, concatReference: 0x2a });
    const submitted = segmented.parts.map((part, index) => {
      const read = readShortMessage({
        dataCoding: part.dataCoding,
        esmClass: part.esmClass,
        userData: part.shortMessage,
      });
      // Each part alone is well-formed text too: no character split across two parts.
      expect(read.text, `part ${index + 1}`).not.toMatch(loneSurrogate);
      return fakeSubmitted(part.shortMessage, read);
    });
    const messages = reassembleMessages(submitted);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ complete: true, text });
    expect(messages[0]?.parts).toHaveLength(segmented.totalParts);
  });
});

function fakeSubmitted(shortMessage: Buffer, read: ReturnType<typeof readShortMessage>): SubmittedMessage {
  return {
    messageId: 'id',
    systemId: 'acme',
    bindId: 'acme#1',
    sequenceNumber: 1,
    serviceType: '',
    source: 'ACME',
    sourceTon: 5,
    sourceNpi: 0,
    destination: '6591000001',
    destTon: 1,
    destNpi: 1,
    esmClass: read.udh === undefined ? 0 : 0x40,
    dataCoding: read.encoding === 'UCS2' ? 8 : 0,
    registeredDelivery: 1,
    validityPeriod: '',
    shortMessage,
    messagePayload: undefined,
    udh: read.udh,
    concat: read.concat,
    encoding: read.encoding,
    text: read.text,
    arrivedAt: 0,
    outcome: 'delivered',
    receiptRequested: true,
    respWithheld: false,
  };
}
