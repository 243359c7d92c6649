/**
 * Texts that put the worker's encoding (core/encoding) and the simulator's own codec (local/smsc-simulator/codec)
 * against each other: every GSM 03.38 character, taken from the simulator's table written from 3GPP TS 23.038,
 * and texts beyond the Basic Multilingual Plane, whose characters are surrogate pairs in UCS-2.
 */
import { gsmCharacters } from '../../local/smsc-simulator/codec/gsm0338.js';

export const everyGsmCharacter = [...gsmCharacters.basic, ...gsmCharacters.extension].join('');

/** Short enough for one deliver_sm (at most 70 UTF-16 units), so they also go as MO messages. */
export const astralTexts: readonly string[] = [
  '👋',
  'Привет 👋',
  '😀😃😄😁😆😅🤣😂',
  '𝄞 clef, 𠜎𠜱𠝹 CJK Ext. B',
  '🇸🇬🇬🇧 flags, 👨‍👩‍👧‍👦 family (ZWJ)',
  'Ünïcödé ç and 🎉 at the end 🎉',
];

/** Multipart texts, one with a surrogate pair across the 67-unit boundary of a UCS-2 part. */
export const longAstralTexts: readonly string[] = [
  '🙂'.repeat(40),
  `${'a'.repeat(66)}😀${'b'.repeat(70)}🚀`,
  `Long mixed text 🌍: ${'Ωμέγα 💬 '.repeat(15)}`,
];
