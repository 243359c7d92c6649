/**
 * GSM 03.38 (3GPP TS 23.038 §6.2.1) for the simulator, unpacked as SMPP carries it: one septet per octet.
 *
 * Hand-written from the specification's tables on purpose, not taken from core/encoding: the simulator is the
 * other end of the line, and a codec shared with the worker would agree with any mistake in the worker's
 * table. The npm packages for it were no fit: `gsm7` (1.3.1, unmaintained) packs septets, which SMPP does not,
 * and maps extension 0x0A to a line feed instead of a form feed.
 *
 * Written as Unicode code points in the specification's layout (rows by code 0x00, 0x10, …), so each entry
 * can be checked against the table by eye. Code 0x09 is Ç (U+00C7) as 23.038 draws it; Unicode's mapping file
 * prefers ç, and so would a handset, but the fleet only ever sends Ç there and this simulator follows the spec.
 */

/** Escape to the extension table (§6.2.1.1). */
export const gsmEscape = 0x1b;

const escapePlaceholder = -1;

// biome-ignore format: the table keeps the specification's 16-per-row layout.
const defaultAlphabetCodePoints: readonly number[] = [
  0x0040, 0x00a3, 0x0024, 0x00a5, 0x00e8, 0x00e9, 0x00f9, 0x00ec, 0x00f2, 0x00c7, 0x000a, 0x00d8, 0x00f8, 0x000d, 0x00c5, 0x00e5,
  0x0394, 0x005f, 0x03a6, 0x0393, 0x039b, 0x03a9, 0x03a0, 0x03a8, 0x03a3, 0x0398, 0x039e, escapePlaceholder, 0x00c6, 0x00e6, 0x00df, 0x00c9,
  0x0020, 0x0021, 0x0022, 0x0023, 0x00a4, 0x0025, 0x0026, 0x0027, 0x0028, 0x0029, 0x002a, 0x002b, 0x002c, 0x002d, 0x002e, 0x002f,
  0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037, 0x0038, 0x0039, 0x003a, 0x003b, 0x003c, 0x003d, 0x003e, 0x003f,
  0x00a1, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047, 0x0048, 0x0049, 0x004a, 0x004b, 0x004c, 0x004d, 0x004e, 0x004f,
  0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057, 0x0058, 0x0059, 0x005a, 0x00c4, 0x00d6, 0x00d1, 0x00dc, 0x00a7,
  0x00bf, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067, 0x0068, 0x0069, 0x006a, 0x006b, 0x006c, 0x006d, 0x006e, 0x006f,
  0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077, 0x0078, 0x0079, 0x007a, 0x00e4, 0x00f6, 0x00f1, 0x00fc, 0x00e0,
];

/**
 * The extension table (§6.2.1.1): code after ESC → code point. 0x0D (CR2, a control) and 0x1B (SS2, a further
 * extension) are reserved and map to no character.
 */
const extensionCodePoints: ReadonlyMap<number, number> = new Map([
  [0x0a, 0x000c],
  [0x14, 0x005e],
  [0x28, 0x007b],
  [0x29, 0x007d],
  [0x2f, 0x005c],
  [0x3c, 0x005b],
  [0x3d, 0x007e],
  [0x3e, 0x005d],
  [0x40, 0x007c],
  [0x65, 0x20ac],
]);

const octetsOf: ReadonlyMap<number, readonly number[]> = (() => {
  const table = new Map<number, readonly number[]>();
  defaultAlphabetCodePoints.forEach((codePoint, code) => {
    if (codePoint !== escapePlaceholder) table.set(codePoint, [code]);
  });
  for (const [code, codePoint] of extensionCodePoints) table.set(codePoint, [gsmEscape, code]);
  return table;
})();

/** Every character of the default alphabet and of the extension table, in code order (for tests). */
export const gsmCharacters: { readonly basic: readonly string[]; readonly extension: readonly string[] } = {
  basic: defaultAlphabetCodePoints
    .filter((cp) => cp !== escapePlaceholder)
    .map((cp) => String.fromCodePoint(cp)),
  extension: [...extensionCodePoints.values()].map((cp) => String.fromCodePoint(cp)),
};

/** The unpacked septets of `text`, or undefined when a character is in neither table. */
export function encodeGsm0338(text: string): Buffer | undefined {
  const octets: number[] = [];
  for (const char of text) {
    const codes = octetsOf.get(char.codePointAt(0) as number);
    if (codes === undefined) return undefined;
    octets.push(...codes);
  }
  return Buffer.from(octets);
}

/**
 * Unpacked septets → text. As §6.2.1.1 tells a receiver: ESC + a code with no extension character shows the
 * default character of that code, and an escape it cannot follow (ESC ESC, a trailing ESC) shows a space.
 * An octet above 0x7F is no septet and shows U+FFFD.
 */
export function decodeGsm0338(octets: Uint8Array): string {
  let text = '';
  for (let i = 0; i < octets.length; i++) {
    const code = octets[i] as number;
    if (code !== gsmEscape) {
      text += defaultCharacter(code);
      continue;
    }
    const next = octets[++i];
    if (next === undefined || next === gsmEscape) {
      text += ' ';
      continue;
    }
    const extension = extensionCodePoints.get(next);
    text += extension === undefined ? defaultCharacter(next) : String.fromCodePoint(extension);
  }
  return text;
}

function defaultCharacter(code: number): string {
  const codePoint = defaultAlphabetCodePoints[code];
  return codePoint === undefined ? '\uFFFD' : String.fromCodePoint(codePoint);
}
