/**
 * Errors raised by core/encoding and by the worker's address and concat-reference helpers (worker/encoding).
 * Each sets `name` and carries the values a caller needs to report the problem without parsing the message.
 */

/** Base class, so callers can catch every encoding error with one `instanceof`. */
export class EncodingError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EncodingError';
  }
}

/** The text to send is empty; an empty submit_sm is never what a caller meant. */
export class EmptyTextError extends EncodingError {
  constructor() {
    super('Text is empty; there is nothing to send');
    this.name = 'EmptyTextError';
  }
}

/** The text needs more parts than the configured maximum. It is refused, never truncated. */
export class TextTooLongError extends EncodingError {
  readonly partsNeeded: number;
  readonly maxParts: number;
  readonly encoding: 'GSM7' | 'UCS2';
  /** Septets (GSM7) or UTF-16 code units (UCS2) in the whole text. */
  readonly units: number;

  constructor(context: { partsNeeded: number; maxParts: number; encoding: 'GSM7' | 'UCS2'; units: number }) {
    super(
      `Text needs ${context.partsNeeded} parts (${context.units} ${context.encoding === 'GSM7' ? 'GSM septets' : 'UCS-2 units'}) but at most ${context.maxParts} are allowed`,
    );
    this.name = 'TextTooLongError';
    this.partsNeeded = context.partsNeeded;
    this.maxParts = context.maxParts;
    this.encoding = context.encoding;
    this.units = context.units;
  }
}

/** An option given to an encoding function or class is out of its range (a programming error). */
export class InvalidEncodingOptionError extends EncodingError {
  readonly option: string;
  readonly value: unknown;

  constructor(option: string, value: unknown, expected: string) {
    super(`Option ${option} must be ${expected}; got ${String(value)}`);
    this.name = 'InvalidEncodingOptionError';
    this.option = option;
    this.value = value;
  }
}

/** A character has no GSM 03.38 code (default alphabet or extension table). */
export class NotGsm7EncodableError extends EncodingError {
  readonly character: string;
  /** Index of the character in the text, in UTF-16 code units. */
  readonly index: number;

  constructor(character: string, index: number) {
    const codePoint = character.codePointAt(0) ?? 0;
    super(
      `Character U+${codePoint.toString(16).toUpperCase().padStart(4, '0')} at index ${index} is not in the GSM 03.38 alphabet`,
    );
    this.name = 'NotGsm7EncodableError';
    this.character = character;
    this.index = index;
  }
}

/** A sender or recipient is neither of the address forms we know how to put in a PDU. */
export class InvalidAddressError extends EncodingError {
  readonly address: string;
  readonly role: 'source' | 'destination';

  constructor(role: 'source' | 'destination', address: string, expected: string) {
    super(`Invalid ${role} address ${JSON.stringify(address)}: expected ${expected}`);
    this.name = 'InvalidAddressError';
    this.role = role;
    this.address = address;
  }
}
