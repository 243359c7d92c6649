/** SMPP 3.4 and GSM 03.40 values that the encoding modules share. */

/** SMPP data_coding values we produce or read by name (SMPP 3.4 §5.2.19). */
export const dataCodings = {
  /** SMSC default alphabet; GSM 03.38 at 8x8. */
  smscDefault: 0,
  /** IA5; 8x8 treats it as GSM 03.38 too. */
  ia5: 1,
  binary: 2,
  latin1: 3,
  /** Also 8-bit binary in SMPP 3.4. */
  binary8Bit: 4,
  ucs2: 8,
} as const;

/** esm_class bit saying short_message starts with a user data header (UDHI). */
export const esmClassUdhIndicator = 0x40;

/** UDH information element ids for concatenated messages (GSM 03.40 §9.2.3.24). */
export const concatInformationElements = {
  /** Length 3: reference (1 octet), total, sequence. */
  eightBitReference: 0x00,
  /** Length 4: reference (2 octets), total, sequence. */
  sixteenBitReference: 0x08,
} as const;

/** Units one message can carry: alone, or per part once a 6-octet UDH takes its share of the 140 octets. */
export const partCapacity = {
  GSM7: { single: 160, multipart: 153 },
  UCS2: { single: 70, multipart: 67 },
} as const;
