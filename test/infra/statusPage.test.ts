/**
 * The status page in the deployed stack: GET /status and GET /status.json behind the API's own auth, served
 * by functions that can read and nothing else, and the messages table's acceptance-time index they read the
 * latest messages from (no Scan, and no index write per state change).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptedIndex } from '../../core/tableKeys.js';
import { repoPath } from '../../infra/paths.js';
import type { ApiHandler } from '../../lambdas/shared/apiHandler.js';
import { lambdaContext, proxyEvent } from '../unit/lambdas/fakes.js';
import {
  type CfnResource,
  type CfnTemplate,
  findings,
  flatten,
  resourcesOfType,
  type SynthesisedFleet,
  synthFleet,
} from './synthFleet.js';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

const props = (resource: CfnResource | undefined) => resource?.Properties ?? {};

describe('the status page in the stack', () => {
  let synth: SynthesisedFleet;
  let template: CfnTemplate;
  beforeAll(() => {
    synth = synthFleet();
    template = synth.templateJson as CfnTemplate;
  });
  afterAll(() => synth.cleanup());

  /** Statements of the role of the function that serves `GET <path>`, as `action resource` lines. */
  function grantsOf(path: string): string[] {
    const functions = resourcesOfType(template, 'AWS::Lambda::Function').filter(
      ([, fn]) => props(fn).Description === `smpp-fleet API: GET ${path}`,
    );
    expect(functions, path).toHaveLength(1);
    const role = (props(functions[0]?.[1]).Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    return resourcesOfType(template, 'AWS::IAM::Policy')
      .filter(([, policy]) =>
        ((props(policy).Roles as { Ref: string }[] | undefined) ?? []).some((ref) => ref.Ref === role),
      )
      .flatMap(([, policy]) => (props(policy).PolicyDocument as { Statement: Statement[] }).Statement)
      .flatMap((statement) => {
        expect(statement.Effect).toBe('Allow');
        const resources = [statement.Resource].flat().map(flatten);
        return [statement.Action].flat().flatMap((action) => resources.map((arn) => `${action} ${arn}`));
      });
  }

  const logicalIdOf = (type: string, match: (properties: Record<string, unknown>) => boolean) => {
    const found = resourcesOfType(template, type).find(([, resource]) => match(props(resource)));
    if (found === undefined) throw new Error(`no ${type} matches`);
    return found[0];
  };

  it('serves GET /status and GET /status.json with IAM auth, like every other route', () => {
    expect(synth.error).toBeUndefined();
    const methods = resourcesOfType(template, 'AWS::ApiGateway::Method').map(([, method]) => props(method));
    const byOperation = Object.fromEntries(methods.map((method) => [method.OperationName, method]));
    for (const operation of ['getStatusPage', 'getStatus']) {
      expect(byOperation[operation]?.HttpMethod, operation).toBe('GET');
      expect(byOperation[operation]?.AuthorizationType, operation).toBe('AWS_IAM');
    }
    const paths = resourcesOfType(template, 'AWS::ApiGateway::Resource').map(([, resource]) =>
      String(props(resource).PathPart),
    );
    expect(paths).toEqual(expect.arrayContaining(['status', 'status.json']));
  });

  it('gives the messages table a keys-only index by acceptance time, sharded per UTC day', () => {
    const [, messages] =
      resourcesOfType(template, 'AWS::DynamoDB::Table').find(
        ([, table]) => props(table).TableName === 'smpp-fleet-messages',
      ) ?? [];
    expect(props(messages).GlobalSecondaryIndexes).toEqual([
      {
        IndexName: acceptedIndex.indexName,
        KeySchema: [
          { AttributeName: 'acceptedShard', KeyType: 'HASH' },
          { AttributeName: 'createdAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ]);
    expect(props(messages).AttributeDefinitions).toEqual(
      expect.arrayContaining([
        { AttributeName: 'acceptedShard', AttributeType: 'S' },
        { AttributeName: 'createdAt', AttributeType: 'N' },
      ]),
    );
  });

  it('lets GET /status.json read exactly what it shows, and write nothing', () => {
    const leases = logicalIdOf('AWS::DynamoDB::Table', (p) => p.TableName === 'smpp-fleet-bind-leases');
    const messages = logicalIdOf('AWS::DynamoDB::Table', (p) => p.TableName === 'smpp-fleet-messages');
    const queueArn = (name: string) => `{${logicalIdOf('AWS::SQS::Queue', (p) => p.QueueName === name)}.Arn}`;
    const grants = grantsOf('/status.json').filter((grant) => !grant.startsWith('logs:'));
    const subAccountQueues = resourcesOfType(template, 'AWS::SQS::Queue')
      .map(([, queue]) => String(props(queue).QueueName))
      .filter((name) => name.startsWith('smpp-fleet-send-') && !name.endsWith('-dlq'));
    expect(subAccountQueues.length).toBeGreaterThan(0);
    expect(grants.sort()).toEqual(
      [
        `dynamodb:Query {${leases}.Arn}`,
        `dynamodb:Query {${messages}.Arn}/index/${acceptedIndex.indexName}`,
        `dynamodb:BatchGetItem {${messages}.Arn}`,
        ...subAccountQueues.flatMap((name) => [
          `sqs:GetQueueAttributes ${queueArn(name)}`,
          `sqs:GetQueueAttributes ${queueArn(`${name}-dlq`)}`,
        ]),
      ].sort(),
    );
  });

  it('gives the page’s own function no data access at all (it only writes its logs)', () => {
    const grants = grantsOf('/status');
    expect(grants.length).toBeGreaterThan(0);
    for (const grant of grants) expect(grant).toMatch(/^logs:(CreateLogStream|PutLogEvents) /);
  });

  /** The routes a managed policy (found by a word of its description) lets its holder invoke. */
  function invokedRoutes(describedAs: string): string[] {
    const [, policy] =
      resourcesOfType(template, 'AWS::IAM::ManagedPolicy').find(([, candidate]) =>
        String(props(candidate).Description).includes(describedAs),
      ) ?? [];
    const statements = (props(policy).PolicyDocument as { Statement: Statement[] }).Statement;
    expect(statements.map((statement) => statement.Action)).toEqual(['execute-api:Invoke']);
    const restApi = resourcesOfType(template, 'AWS::ApiGateway::RestApi')[0]?.[0];
    return [statements[0]?.Resource]
      .flat()
      .map((arn) => flatten(arn).split(`{Ref:${restApi}}`)[1] ?? '')
      .sort();
  }

  it('gives operators a policy that opens the status page and nothing else, and callers none for it', () => {
    expect(invokedRoutes('status page')).toEqual(['/v1/GET/status', '/v1/GET/status.json']);
    // Sending systems do not see other sub-accounts' latest messages.
    expect(invokedRoutes('call the smpp-fleet send API').filter((route) => route.includes('status'))).toEqual(
      [],
    );
    expect(template.Outputs?.StatusReaderPolicyArn).toBeDefined();
    expect(flatten(template.Outputs?.StatusPageUrl?.Value)).toMatch(/^https:\/\/.*\/status$/);
  });

  it('still leaves no cdk-nag finding unacknowledged', () => {
    expect(findings(synth.report)).toEqual([]);
  });
});

describe('the status page function’s bundle', () => {
  it('carries the page itself: bundled as the stack bundles it, run from a folder with nothing else', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'status-page-bundle-'));
    try {
      // FleetFunction's esbuild options (ESM, one file, the createRequire banner); Node 20 runs this test.
      await build({
        entryPoints: [repoPath('lambdas/getStatusPage.ts')],
        outfile: join(outdir, 'index.mjs'),
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        mainFields: ['module', 'main'],
        minify: true,
        banner: {
          js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
        },
        logLevel: 'silent',
      });
      const { handler } = (await import(pathToFileURL(join(outdir, 'index.mjs')).href)) as {
        handler: ApiHandler;
      };
      const page = await handler(
        proxyEvent({ httpMethod: 'GET', path: '/status', resource: '/status' }),
        lambdaContext(),
      );
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('<title>smpp-fleet · live status</title>');
      expect(page.headers?.['Content-Security-Policy']).toMatch(/script-src 'sha256-/);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
