/**
 * SMPP 3.4 absolute validity period (§7.1.1): `YYMMDDhhmmsstnnp`, written in UTC (`nn` = 00, `p` = `+`).
 * Absolute, not relative, because a message's validity counts from its acceptance (worker/sending/expiry.ts):
 * a relative period made at submit time would restart the clock for a message that waited in the queue, and
 * every part of a long message must carry the same expiry whenever it is sent.
 */
export function absoluteValidityPeriod(epochMs: number): string {
  // YY has two digits: a time is only unambiguous within one century.
  if (!Number.isFinite(epochMs) || epochMs < 0 || epochMs >= Date.UTC(2070, 0, 1)) {
    throw new RangeError(`validity period must be epoch ms before 2070, got ${epochMs}`);
  }
  const at = new Date(epochMs);
  const two = (n: number) => String(n).padStart(2, '0');
  const tenths = Math.floor(at.getUTCMilliseconds() / 100);
  return (
    two(at.getUTCFullYear() % 100) +
    two(at.getUTCMonth() + 1) +
    two(at.getUTCDate()) +
    two(at.getUTCHours()) +
    two(at.getUTCMinutes()) +
    two(at.getUTCSeconds()) +
    `${tenths}00+`
  );
}
