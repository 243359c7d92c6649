/**
 * The house Lambda function: TypeScript bundled by esbuild (the local devDependency, so synth needs no
 * Docker) into one ESM file with source maps, arm64, the newest Node LTS Lambda offers, and a log group the
 * stack owns (retention set, removed with the stack) instead of one Lambda creates on first write.
 *
 * Its role starts with nothing but writes to that one log group (instead of the AWS-managed basic execution
 * policy, which allows creating and writing any log group); data access is added with `grant*`.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { repoPath, repoRoot } from '../paths.js';

export interface FleetFunctionProps {
  /** The handler's source, relative to the repository root (it exports `handler`). */
  readonly entry: string;
  readonly description: string;
  /** Added to NODE_OPTIONS=--enable-source-maps (stack traces point at the TypeScript lines). */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default 30 days */
  readonly logRetention?: logs.RetentionDays;
  /** @default 512 MiB (arm64 Lambda's CPU share grows with memory; cold starts matter behind an API) */
  readonly memorySize?: number;
  /** @default 10 seconds (API Gateway gives up after 29) */
  readonly timeout?: Duration;
}

/** Node's major on Lambda; the worker image uses the same (Dockerfile). */
export const lambdaRuntime = lambda.Runtime.NODEJS_24_X;

export class FleetFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: FleetFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (execution role)`,
    });
    logGroup.grantWrite(role);
    super(scope, id, {
      role,
      entry: repoPath(props.entry),
      handler: 'handler',
      description: props.description,
      runtime: lambdaRuntime,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      projectRoot: repoRoot,
      depsLockFilePath: repoPath('package-lock.json'),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.EXTERNAL,
        sourcesContent: false,
        // The runtime's own SDK is a different version from the lockfile's; ship the tested one.
        bundleAwsSDK: true,
        // CommonJS dependencies inside an ESM bundle still call require().
        banner: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
      },
    });
  }
}
