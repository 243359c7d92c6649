/** The non-empty lines `run` writes to stdout (Powertools Logger and Metrics write there), captured. */
export function captureStdout(run: () => void): string[] {
  const chunks: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    run();
  } finally {
    process.stdout.write = write;
  }
  return chunks
    .join('')
    .split('\n')
    .filter((line) => line.trim() !== '');
}
