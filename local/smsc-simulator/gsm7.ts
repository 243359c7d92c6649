/**
 * GSM 03.38 default alphabet in the unpacked form SMPP carries with data_coding 0 (one septet per octet).
 * The simulator keeps its own small copy instead of importing worker/encoding, so the fleet's encoder is
 * checked against an independent table rather than against itself.
 */
const ESCAPE = 0x1b;

const defaultAlphabet =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ' +
  ' !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§' +
  '¿abcdefghijklmnopqrstuvwxyzäöñüà';

const extension: ReadonlyMap<number, string> = new Map([
  [0x0a, '\f'],
  [0x14, '^'],
  [0x28, '{'],
  [0x29, '}'],
  [0x2f, '\\'],
  [0x3c, '['],
  [0x3d, '~'],
  [0x3e, ']'],
  [0x40, '|'],
  [0x65, '€'],
]);

const encodeTable: ReadonlyMap<string, readonly number[]> = (() => {
  const table = new Map<string, readonly number[]>();
  for (let code = 0; code < defaultAlphabet.length; code++) {
    if (code !== ESCAPE) table.set(defaultAlphabet.charAt(code), [code]);
  }
  for (const [code, char] of extension) table.set(char, [ESCAPE, code]);
  return table;
})();

/** Unpacked GSM 03.38 octets → text; an unknown escape or code becomes U+FFFD. */
export function decodeGsm7(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i++) {
    const code = bytes[i]!;
    if (code === ESCAPE && i + 1 < bytes.length) {
      i++;
      text += extension.get(bytes[i]!) ?? '\uFFFD';
    } else {
      text += code < 0x80 && code !== ESCAPE ? defaultAlphabet.charAt(code) : '\uFFFD';
    }
  }
  return text;
}

/** Text → unpacked GSM 03.38 octets, or undefined when some character is not in the alphabet. */
export function encodeGsm7(text: string): Buffer | undefined {
  const octets: number[] = [];
  for (const char of text) {
    const codes = encodeTable.get(char);
    if (!codes) return undefined;
    octets.push(...codes);
  }
  return Buffer.from(octets);
}
