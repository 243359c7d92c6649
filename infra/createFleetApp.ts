/**
 * Builds the CDK app: deployment options from context, the fleet config file, the stack, and cdk-nag's
 * AwsSolutions checks (a policy-validation plugin in cdk-nag 3: an unacknowledged finding fails synth).
 * `infra/app.ts` runs it for the CLI; the tests call it with their own context and output directory.
 *
 * The stack is environment-agnostic (no account/region in code): synth needs no credentials, and
 * `cdk deploy` targets the account and region of the caller's AWS profile.
 */
import { readFileSync } from 'node:fs';
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { defaultResourcePrefix } from '../core/tableKeys.js';
import { type DeploymentOptions, readDeploymentOptions } from './deploymentOptions.js';
import { type LoadedFleetConfig, loadFleetConfig } from './loadFleetConfig.js';
import { repoPath, repoRoot } from './paths.js';
import { SmppFleetStack } from './SmppFleetStack.js';

export interface CreateFleetAppOptions {
  /** Where the cloud assembly goes. @default the CLI's (CDK_OUTDIR), else a temp dir */
  readonly outdir?: string;
  /** Context values on top of the CLI's (deployment options, feature flags). */
  readonly context?: Readonly<Record<string, unknown>>;
  /** Add cdk.json's context (feature flags, defaults), as the CLI does. @default false (the CLI passes it) */
  readonly withCdkJsonContext?: boolean;
  /** Where a relative fleet config path is resolved from. @default the working directory */
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export interface FleetApp {
  readonly app: App;
  readonly stack: SmppFleetStack;
  readonly options: DeploymentOptions;
  readonly fleetConfig: LoadedFleetConfig;
}

/** `cdk.json`'s "context" block: what the CLI gives the app; tests add it so they synth the same stack. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(repoPath('cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

export function stackNameFor(resourcePrefix: string): string {
  return resourcePrefix === defaultResourcePrefix ? 'SmppFleet' : `SmppFleet-${resourcePrefix}`;
}

export function createFleetApp(options: CreateFleetAppOptions = {}): FleetApp {
  const context = { ...(options.withCdkJsonContext ? cdkJsonContext() : {}), ...options.context };
  const app = new App({ ...(options.outdir === undefined ? {} : { outdir: options.outdir }), context });
  const deployment = readDeploymentOptions(app.node, options.env);
  const fleetConfig = loadFleetConfig(deployment.fleetConfig, options.cwd ?? process.cwd());

  const stack = new SmppFleetStack(app, 'SmppFleet', {
    stackName: stackNameFor(deployment.resourcePrefix),
    description: `smpp-fleet: SMS over 8x8 SMPP (${fleetConfig.config.subAccounts.length} sub-accounts)`,
    fleetConfig,
    options: deployment,
  });
  Tags.of(stack).add('project', 'smpp-fleet');
  Tags.of(stack).add('smpp-fleet:prefix', deployment.resourcePrefix);

  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack, options: deployment, fleetConfig };
}

export { repoRoot };
