/** `0x58`-style text: the key stats() counts statuses under, and how the CLI log shows them. */
export function formatCommandStatus(status: number): string {
  return `0x${status.toString(16).padStart(2, '0')}`;
}
