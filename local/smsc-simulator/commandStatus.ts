/** The SMPP 3.4 command_status values the simulator sends. */
export const SmscCommandStatus = {
  ok: 0x00,
  invalidCommandId: 0x03,
  invalidBindStatus: 0x04,
  alreadyBound: 0x05,
  systemError: 0x08,
  invalidDestination: 0x0b,
  bindFailed: 0x0d,
  invalidPassword: 0x0e,
  invalidSystemId: 0x0f,
  throttled: 0x58,
} as const;

/** `0x58`-style text, the key used for statuses in stats. */
export function formatCommandStatus(status: number): string {
  return `0x${status.toString(16).padStart(2, '0')}`;
}
