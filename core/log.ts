/**
 * The logging port of the worker and the records-stream consumer: structured (a message and plain attributes),
 * so Powertools' Logger fits it as it is and tests can pass a recording fake. Phone numbers and message
 * text are never given to it; messages are named by id.
 */
export interface WorkerLog {
  debug(message: string, attributes?: Record<string, unknown>): void;
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

/** Logs nothing: the default when the wiring gives no logger. */
export const silentLog: WorkerLog = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

/** An error as log attributes (name, message, and the cause's name when there is one). */
export function errorAttributes(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: String(error) };
  const cause = error.cause instanceof Error ? { cause: `${error.cause.name}: ${error.cause.message}` } : {};
  return { error: `${error.name}: ${error.message}`, ...cause };
}
