/**
 * Errors that stop synth because of what the operator gave (deployment options, the fleet config file, or a
 * combination the stack cannot build). infra/app.ts prints their message alone, without a stack trace.
 */

/** Base class: the message says what to change. */
export class StackInputError extends Error {
  override readonly name: string = 'StackInputError';
}

/** A CDK context option (infra/deploymentOptions.ts) is invalid; the message names each one. */
export class DeploymentOptionsError extends StackInputError {
  override readonly name = 'DeploymentOptionsError';
}

/** The fleet config file is missing, not JSON, invalid (core's schema) or not deployable to AWS. */
export class FleetConfigFileError extends StackInputError {
  override readonly name = 'FleetConfigFileError';
}

/** Valid options and config that the stack still cannot build (e.g. past a Lambda or CloudFormation limit). */
export class StackLimitError extends StackInputError {
  override readonly name = 'StackLimitError';
}
