/**
 * Synthesises the fleet app the way `npx cdk synth` does (cdk.json's context, cdk-nag on) into a temp
 * directory, once per call: tests call it in beforeAll and read the template, the validation report and
 * the synth error (cdk-nag 3 fails synth on an unacknowledged finding) from the result.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { createFleetApp, type FleetApp } from '../../infra/createFleetApp.js';
import { repoRoot } from '../../infra/paths.js';

export interface SynthesisedFleet {
  readonly fleet?: FleetApp;
  readonly template?: Template;
  readonly templateJson?: CfnTemplate;
  readonly templatePath: string;
  readonly outdir: string;
  /** policy-validation report (cdk-nag's findings); absent when synth failed before validation. */
  readonly report?: ValidationReport;
  readonly error?: Error;
  readonly durationMs: number;
  cleanup(): void;
}

export interface ValidationReport {
  pluginReports: {
    pluginName: string;
    conclusion: string;
    violations: { ruleName: string; severity: string; violatingConstructs: { constructPath: string }[] }[];
  }[];
}

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown; Description?: string }>;
}

export interface SynthFleetOptions {
  /** Context on top of cdk.json's. */
  readonly context?: Record<string, unknown>;
  /** A fleet config to write to a temp file and use instead of fleet.config.example.json. */
  readonly fleetConfig?: unknown;
  /** Change the app before synth (e.g. add a construct cdk-nag must catch). */
  readonly beforeSynth?: (fleet: FleetApp) => void;
  /**
   * Bundle the functions with esbuild, as `cdk synth` does. Off by default: the template is the same either
   * way (CDK's own `aws:cdk:bundling-stacks` switch), and bundling is most of a synth's time.
   * @default false
   */
  readonly bundle?: boolean;
}

export function synthFleet(options: SynthFleetOptions = {}): SynthesisedFleet {
  const outdir = mkdtempSync(join(tmpdir(), 'smpp-fleet-cdk-'));
  const context: Record<string, unknown> = {
    ...(options.bundle === true ? {} : { 'aws:cdk:bundling-stacks': [] }),
    ...options.context,
  };
  if (options.fleetConfig !== undefined) {
    const path = join(outdir, 'fleet.config.json');
    writeFileSync(path, JSON.stringify(options.fleetConfig));
    context.fleetConfig = path;
  }
  const started = Date.now();
  const templatePath = join(outdir, 'SmppFleet.template.json');
  const cleanup = () => rmSync(outdir, { recursive: true, force: true });
  let fleet: FleetApp | undefined;
  try {
    fleet = createFleetApp({ outdir, withCdkJsonContext: true, context, cwd: repoRoot, env: {} });
    options.beforeSynth?.(fleet);
    fleet.app.synth();
  } catch (error) {
    return {
      ...(fleet === undefined ? {} : { fleet }),
      ...readReport(outdir),
      templatePath,
      outdir,
      error: error as Error,
      durationMs: Date.now() - started,
      cleanup,
    };
  }
  const templateJson = JSON.parse(readFileSync(templatePath, 'utf8')) as CfnTemplate;
  return {
    fleet,
    template: Template.fromStack(fleet.stack),
    templateJson,
    templatePath,
    outdir,
    ...readReport(outdir),
    durationMs: Date.now() - started,
    cleanup,
  };
}

function readReport(outdir: string): { report?: ValidationReport } {
  try {
    return {
      report: JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as ValidationReport,
    };
  } catch {
    return {};
  }
}

/** Every finding in the report, as `rule at path` lines (for readable assertion failures). */
export function findings(report: ValidationReport | undefined): string[] {
  return (report?.pluginReports ?? []).flatMap((plugin) =>
    plugin.violations.flatMap((violation) =>
      violation.violatingConstructs.map((construct) => `${violation.ruleName} at ${construct.constructPath}`),
    ),
  );
}

/** Resources of one type, by logical id. */
export function resourcesOfType(template: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

/**
 * A CloudFormation value with intrinsics replaced by readable placeholders (`{Ref:X}`, `{X.Arn}`), so a
 * Fn::Join'ed JSON environment value can be parsed and checked.
 */
export function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return String(value);
  const object = value as Record<string, unknown>;
  if ('Ref' in object) return `{Ref:${String(object.Ref)}}`;
  if ('Fn::GetAtt' in object) return `{${(object['Fn::GetAtt'] as string[]).join('.')}}`;
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map(flatten).join(separator);
  }
  return JSON.stringify(object);
}
