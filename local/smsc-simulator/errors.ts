/** Errors thrown by the SMSC simulator. Faults it injects into SMPP traffic are never thrown. */
export class SmscSimulatorError extends Error {
  override readonly name: string = 'SmscSimulatorError';
}

/** Options that do not validate; the message names every bad field by its path. */
export class SmscSimulatorConfigError extends SmscSimulatorError {
  override readonly name = 'SmscSimulatorConfigError';

  constructor(
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`invalid SMSC simulator options: ${problems.join('; ')}`, options);
  }
}

/** A method called in a state that does not allow it (e.g. `start()` after `stop()`). */
export class SmscSimulatorStateError extends SmscSimulatorError {
  override readonly name = 'SmscSimulatorStateError';
}
