/**
 * SMPP 3.4 relative validity period (§7.1.1): `YYMMDDhhmmss000R`, here built from a number of seconds.
 * Relative form is used because it does not depend on the SMSC's clock or time zone.
 */
export function relativeValidityPeriod(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds <= 0) {
    throw new RangeError(`validity period must be a positive whole number of seconds, got ${seconds}`);
  }
  const days = Math.floor(seconds / 86_400);
  if (days > 99) throw new RangeError(`validity period of ${seconds} s is longer than SMPP can express`);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const secs = seconds % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return `0000${two(days)}${two(hours)}${two(minutes)}${two(secs)}000R`;
}
