/**
 * The send API: an API Gateway REST API (regional) in front of one Lambda function per route. The routes,
 * their handler files, the environment each reads and what each may touch come from lambdas/routes.ts, and
 * the request models from core/openApi.ts, so the stack, the handlers and the local server cannot drift.
 *
 * - Authorization: IAM (SigV4) on every method by default; `api-key` mode requires an `x-api-key` header
 *   checked against a usage plan (throttle and daily quota per key) instead.
 * - Request validation: bodies against the send-request / batch-envelope models, path parameters present.
 *   The batch model checks only the envelope so that one bad item cannot sink the others (the handler
 *   validates each item and reports it in its own result).
 * - Logging: JSON access logs and execution logs (INFO, without bodies — they hold phone numbers and text).
 * - Throttling: stage-wide rate and burst.
 */
import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type ApiEnvName, apiEnv } from '../../core/apiEnv.js';
import { type ApiRouteId, apiRequestModels } from '../../core/openApi.js';
import { acceptedIndex } from '../../core/tableKeys.js';
import { type ApiRoute, apiRoutes } from '../../lambdas/routes.js';
import type { ApiAuthorization } from '../deploymentOptions.js';
import { StackLimitError } from '../errors.js';
import { FleetFunction } from './FleetFunction.js';
import type { SendQueues } from './SendQueues.js';
import type { Tables } from './Tables.js';
import { toApiGatewaySchema } from './toApiGatewaySchema.js';

export interface ApiProps {
  readonly tables: Tables;
  readonly sendQueues: SendQueues;
  /** FLEET_CONFIG for the handlers (they read sub-accounts and maxParts, never passwords). */
  readonly fleetConfigJson: string;
  /**
   * Some sub-account has velocityLimits: the send routes get the velocity table's name and may count there.
   * @default false
   */
  readonly velocityLimits?: boolean;
  /** @default 'iam' */
  readonly authorization?: ApiAuthorization;
  /** Stage-wide steady rate, requests per second. @default 100 */
  readonly throttleRatePerSecond?: number;
  /** @default 200 */
  readonly throttleBurst?: number;
  /** Requests per day per API key (api-key mode). @default 100 000 */
  readonly apiKeyQuotaPerDay?: number;
  /** PUBLIC_BASE_URL, e.g. behind a custom domain. @default unset: handlers derive it from the request */
  readonly publicBaseUrl?: string;
  /** LOG_LEVEL. @default INFO */
  readonly logLevel?: string;
  /** MASK_PHONE_NUMBERS. @default true */
  readonly maskPhoneNumbers?: boolean;
  /** @default 30 days */
  readonly logRetention?: logs.RetentionDays;
  /** @default lambdas/routes.ts apiRoutes */
  readonly routes?: readonly ApiRoute[];
}

export const apiStageName = 'v1';
/** Lambda's limit on the total size of a function's environment variables. */
export const lambdaEnvironmentLimitBytes = 4 * 1024;
/** A deploy-time value counted at this length when checking that limit: an SQS queue URL in the longest region name with a 46-character queue name. */
const assumedTokenLength = 100;

export class Api extends Construct {
  public readonly restApi: apigateway.RestApi;
  public readonly functions: ReadonlyMap<ApiRouteId, FleetFunction>;
  public readonly accessLogGroup: logs.LogGroup;
  public readonly requestValidator: apigateway.RequestValidator;
  /** IAM mode: attach to the roles and users that may send: every route whose audience is `callers`. */
  public readonly callerPolicy?: iam.ManagedPolicy;
  /** IAM mode: attach to operators: the status page (GET /status, GET /status.json), nothing else. */
  public readonly statusReaderPolicy?: iam.ManagedPolicy;
  /** api-key mode: the usage plan and its first key (the value is in the console / get-api-key). */
  public readonly usagePlan?: apigateway.UsagePlan;
  public readonly apiKey?: apigateway.IApiKey;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const authorization = props.authorization ?? 'iam';
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.restApi = new apigateway.RestApi(this, 'RestApi', {
      description:
        'smpp-fleet send API: POST /messages, POST /messages/batch, GET /messages/{id}, GET /status (status page)',
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      // Execution logging needs API Gateway's account-wide CloudWatch role; kept on delete because other
      // APIs in the account and region may rely on it.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      defaultMethodOptions:
        authorization === 'iam'
          ? { authorizationType: apigateway.AuthorizationType.IAM }
          : { authorizationType: apigateway.AuthorizationType.NONE, apiKeyRequired: true },
      apiKeySourceType: authorization === 'api-key' ? apigateway.ApiKeySourceType.HEADER : undefined,
      deployOptions: {
        stageName: apiStageName,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: apigateway.AccessLogFormat.custom(
          JSON.stringify({
            requestId: apigateway.AccessLogField.contextRequestId(),
            extendedRequestId: apigateway.AccessLogField.contextExtendedRequestId(),
            requestTime: apigateway.AccessLogField.contextRequestTimeEpoch(),
            ip: apigateway.AccessLogField.contextIdentitySourceIp(),
            caller: apigateway.AccessLogField.contextIdentityCaller(),
            user: apigateway.AccessLogField.contextIdentityUser(),
            userArn: apigateway.AccessLogField.contextIdentityUserArn(),
            apiKeyId: apigateway.AccessLogField.contextIdentityApiKeyId(),
            httpMethod: apigateway.AccessLogField.contextHttpMethod(),
            resourcePath: apigateway.AccessLogField.contextResourcePath(),
            status: apigateway.AccessLogField.contextStatus(),
            responseLength: apigateway.AccessLogField.contextResponseLength(),
            responseLatency: apigateway.AccessLogField.contextResponseLatency(),
            integrationLatency: apigateway.AccessLogField.contextIntegrationLatency(),
            error: apigateway.AccessLogField.contextErrorMessage(),
            validationError: apigateway.AccessLogField.contextErrorValidationErrorString(),
          }),
        ),
        loggingLevel: apigateway.MethodLoggingLevel.INFO,
        dataTraceEnabled: false,
        metricsEnabled: true,
        throttlingRateLimit: props.throttleRatePerSecond ?? 100,
        throttlingBurstLimit: props.throttleBurst ?? 200,
      },
    });

    // The stack outputs the URL once, as ApiUrl; the RestApi's own unnamed copy would only duplicate it.
    this.restApi.node.tryRemoveChild('Endpoint');

    this.requestValidator = this.restApi.addRequestValidator('Validator', {
      requestValidatorName: 'body-and-parameters',
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const schemas = apiRequestModels();
    const models: Partial<Record<ApiRouteId, apigateway.Model>> = {
      postMessage: this.restApi.addModel('SendRequest', {
        modelName: 'SendRequest',
        contentType: 'application/json',
        description: 'A send request (core/sendRequest.ts)',
        schema: toApiGatewaySchema(schemas.sendRequest),
      }),
      postMessageBatch: this.restApi.addModel('BatchRequest', {
        modelName: 'BatchRequest',
        contentType: 'application/json',
        description: 'The batch envelope: { "messages": [ … ] } (each item is validated by the handler)',
        schema: toApiGatewaySchema(schemas.batchRequest),
      }),
    };
    // API Gateway's own 400 for a body that fails the model: JSON, in the API's error shape, with its reason.
    this.restApi.addGatewayResponse('BadRequestBody', {
      type: apigateway.ResponseType.BAD_REQUEST_BODY,
      statusCode: '400',
      templates: {
        'application/json':
          '{"error":"The request body does not match the schema: $context.error.validationErrorString",' +
          '"code":"invalid_request","requestId":"$context.requestId"}',
      },
    });
    this.restApi.addGatewayResponse('BadRequestParameters', {
      type: apigateway.ResponseType.BAD_REQUEST_PARAMETERS,
      statusCode: '400',
      templates: {
        'application/json':
          '{"error":"$context.error.validationErrorString","code":"invalid_request","requestId":"$context.requestId"}',
      },
    });

    // Everything API Gateway answers by itself is JSON with a `code` too, like the handlers' answers.
    const gatewayError = (message: string, code: string) =>
      `{"error":${message},"code":"${code}","requestId":"$context.requestId"}`;
    this.restApi.addGatewayResponse('Default4xx', {
      type: apigateway.ResponseType.DEFAULT_4XX,
      templates: { 'application/json': gatewayError('$context.error.messageString', 'invalid_request') },
    });
    this.restApi.addGatewayResponse('Default5xx', {
      type: apigateway.ResponseType.DEFAULT_5XX,
      templates: { 'application/json': gatewayError('$context.error.messageString', 'internal_error') },
    });
    // Both an unsigned request and an unknown method or path get this one; 403 stays, the text says both.
    this.restApi.addGatewayResponse('MissingAuthenticationToken', {
      type: apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN,
      statusCode: '403',
      templates: {
        'application/json': gatewayError(
          JSON.stringify(
            `No credentials, or no such route: ${authorization === 'iam' ? 'sign requests with SigV4' : 'send x-api-key'}; routes are ${(props.routes ?? apiRoutes).map((route) => `${route.method} ${route.path}`).join(', ')}`,
          ),
          'not_found',
        ),
      },
    });

    const environmentValues: Partial<Record<ApiEnvName, string>> = {
      [apiEnv.fleetConfig]: props.fleetConfigJson,
      [apiEnv.messagesTable]: props.tables.byId.messages.tableName,
      [apiEnv.idempotencyTable]: props.tables.byId.idempotency.tableName,
      ...(props.velocityLimits === true
        ? { [apiEnv.velocityTable]: props.tables.byId.velocity.tableName }
        : {}),
      [apiEnv.sendQueueUrls]: props.sendQueues.queueUrlsJson,
      [apiEnv.logLevel]: props.logLevel ?? 'INFO',
      [apiEnv.maskPhoneNumbers]: String(props.maskPhoneNumbers ?? true),
      ...(props.publicBaseUrl === undefined ? {} : { [apiEnv.publicBaseUrl]: props.publicBaseUrl }),
    };

    const functions = new Map<ApiRouteId, FleetFunction>();
    for (const route of props.routes ?? apiRoutes) {
      const environment: Record<string, string> = {};
      for (const name of route.env) {
        const value = environmentValues[name];
        if (value !== undefined) environment[name] = value;
      }
      checkEnvironmentSize(this, route, environment);
      const fn = new FleetFunction(this, route.id, {
        entry: route.entry,
        description: `smpp-fleet API: ${route.method} ${route.path}`,
        environment,
        logRetention,
        // A batch is up to 100 records and 10 SQS batches; API Gateway waits 29 s at most.
        timeout: Duration.seconds(route.id === 'postMessageBatch' ? 25 : 10),
      });
      this.grantRouteAccess(route, fn, props);
      const model = models[route.id];
      const pathParameters = [...route.path.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((match) => match[1]);
      this.restApi.root
        .resourceForPath(route.path)
        .addMethod(
          route.method,
          new apigateway.LambdaIntegration(fn, { proxy: true, timeout: Duration.seconds(29) }),
          {
            operationName: route.id,
            requestValidator: this.requestValidator,
            ...(model === undefined ? {} : { requestModels: { 'application/json': model } }),
            ...(pathParameters.length === 0
              ? {}
              : {
                  requestParameters: Object.fromEntries(
                    pathParameters.map((name) => [`method.request.path.${name}`, true]),
                  ),
                }),
          },
        );
      functions.set(route.id, fn);
    }
    this.functions = functions;

    if (authorization === 'iam') {
      this.callerPolicy = new iam.ManagedPolicy(this, 'CallerPolicy', {
        description: 'Lets a role or user call the smpp-fleet send API (attach it to your callers)',
        statements: [
          new iam.PolicyStatement({
            actions: ['execute-api:Invoke'],
            // A path parameter matches any one segment: execute-api ARNs hold the request's path.
            resources: (props.routes ?? apiRoutes)
              .filter((route) => route.audience === 'callers')
              .map((route) =>
                this.restApi.arnForExecuteApi(
                  route.method,
                  route.path.replace(/\{[^}]+\}/g, '*'),
                  apiStageName,
                ),
              ),
          }),
        ],
      });
      this.statusReaderPolicy = new iam.ManagedPolicy(this, 'StatusReaderPolicy', {
        description:
          'Lets an operator open the smpp-fleet status page (GET /status, GET /status.json) and nothing else',
        statements: [
          new iam.PolicyStatement({
            actions: ['execute-api:Invoke'],
            resources: (props.routes ?? apiRoutes)
              .filter((route) => route.audience === 'operators')
              .map((route) => this.restApi.arnForExecuteApi(route.method, route.path, apiStageName)),
          }),
        ],
      });
      const restApiLogicalId = Stack.of(this).resolve(
        (this.restApi.node.defaultChild as CfnElement).logicalId,
      );
      for (const route of (props.routes ?? apiRoutes).filter((candidate) => candidate.path.includes('{'))) {
        const path = route.path.replace(/\{[^}]+\}/g, '*');
        Validations.of(this.callerPolicy).acknowledge({
          id:
            'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:' +
            `<${restApiLogicalId}>/${apiStageName}/${route.method}${path}]`,
          reason:
            `The "*" stands for the {…} path parameter of ${route.method} ${route.path} (any message id); ` +
            'the API, stage, method and the rest of the path are fixed.',
        });
      }
      Validations.of(this.restApi).acknowledge({
        id: 'AwsSolutions-COG4',
        reason:
          'Callers are AWS workloads and operators with IAM identities: every method requires SigV4 (IAM ' +
          'authorization), which API Gateway checks before any integration runs. A Cognito user pool would ' +
          'add a user directory the fleet has no users for.',
      });
    } else {
      this.usagePlan = this.restApi.addUsagePlan('UsagePlan', {
        description: 'smpp-fleet API callers (one API key each)',
        throttle: { rateLimit: props.throttleRatePerSecond ?? 100, burstLimit: props.throttleBurst ?? 200 },
        quota: { limit: props.apiKeyQuotaPerDay ?? 100_000, period: apigateway.Period.DAY },
        apiStages: [{ api: this.restApi, stage: this.restApi.deploymentStage }],
      });
      this.apiKey = this.restApi.addApiKey('DefaultKey', {
        description: 'First smpp-fleet API key; add one per caller to the usage plan',
      });
      this.usagePlan.addApiKey(this.apiKey);
      for (const rule of ['AwsSolutions-APIG4', 'AwsSolutions-COG4']) {
        Validations.of(this.restApi).acknowledge({
          id: rule,
          reason:
            'api-key mode was chosen in the deployment options for callers that cannot sign requests with ' +
            'SigV4: every method requires an API key tied to a usage plan with throttling and a daily quota. ' +
            'The default mode (iam) authorizes every method with IAM.',
        });
      }
    }

    Validations.of(this.restApi).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'Requests are authorized (IAM or API key) before any integration runs and the stage is throttled, so ' +
        'a flood costs only rejected requests. A WAF web ACL (per-ACL and per-request charges) can be ' +
        'associated with the stage by an operator who wants IP or geo rules (docs/deploy.md).',
    });
    // The account-wide role API Gateway uses to write execution logs: AWS documents exactly this managed
    // policy for it, and it is all the role can do.
    const cloudWatchRole = this.restApi.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole !== undefined) {
      Validations.of(cloudWatchRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'API Gateway’s account-level logging role: AmazonAPIGatewayPushToCloudWatchLogs is the policy AWS ' +
          'documents for it and grants only log group/stream creation and writes.',
      });
    }
  }

  private grantRouteAccess(route: ApiRoute, fn: FleetFunction, props: ApiProps): void {
    const { messages, idempotency, leases } = props.tables.itemsOnly;
    const messagesAccess: readonly string[] = route.access.messagesTable ?? [];
    if (messagesAccess.includes('read')) messages.grant(fn, 'dynamodb:GetItem');
    if (messagesAccess.includes('write')) messages.grant(fn, 'dynamodb:PutItem', 'dynamodb:DeleteItem');
    if (messagesAccess.includes('latest')) {
      // Query on the one index, not the table; BatchGetItem on the table (the records the index names).
      iam.Grant.addToPrincipal({
        grantee: fn,
        actions: ['dynamodb:Query'],
        resourceArns: [`${props.tables.byId.messages.tableArn}/index/${acceptedIndex.indexName}`],
      });
      iam.Grant.addToPrincipal({
        grantee: fn,
        actions: ['dynamodb:BatchGetItem'],
        resourceArns: [messages.tableArn],
      });
    }
    // Suppression items live in the messages table (core/tableKeys.ts): each route gets only the calls it makes.
    const suppressionActions = {
      get: 'dynamodb:GetItem',
      batchGet: 'dynamodb:BatchGetItem',
      put: 'dynamodb:PutItem',
      delete: 'dynamodb:DeleteItem',
    } as const;
    const suppressionAccess = route.access.suppressions ?? [];
    if (suppressionAccess.length > 0) {
      messages.grant(fn, ...suppressionAccess.map((access) => suppressionActions[access]));
    }
    if (route.access.idempotencyTable === 'readWrite') {
      idempotency.grant(
        fn,
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
      );
    }
    // The one TransactWriteItems per message of lambdas/shared/DynamoDbVelocityCounter.ts, authorised as its
    // marker's PutItem and the counters' UpdateItem; only when some sub-account has limits.
    if (route.access.velocityTable === 'count' && props.velocityLimits === true) {
      props.tables.itemsOnly.velocity.grant(fn, 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    }
    if (route.access.leasesTable === 'query') {
      iam.Grant.addToPrincipal({ grantee: fn, actions: ['dynamodb:Query'], resourceArns: [leases.tableArn] });
    }
    if (route.access.sendQueues === 'send') props.sendQueues.grantSend(fn);
    if (route.access.sendQueues === 'depth') props.sendQueues.grantDepth(fn);
  }
}

/** Fails synth, naming the route, when a function's environment may pass Lambda's 4 KB limit at deploy. */
function checkEnvironmentSize(
  scope: Construct,
  route: ApiRoute,
  environment: Readonly<Record<string, string>>,
): void {
  const stack = Stack.of(scope);
  let bytes = 0;
  for (const [name, value] of Object.entries(environment)) {
    bytes += Buffer.byteLength(name) + estimatedLength(stack.resolve(value));
  }
  if (bytes > lambdaEnvironmentLimitBytes) {
    throw new StackLimitError(
      `the ${route.id} function's environment would be about ${bytes} bytes, over Lambda's 4 KB limit ` +
        '(FLEET_CONFIG and SEND_QUEUE_URLS grow with every sub-account). Shorten sub-account entries or ' +
        'move the handler config to SSM Parameter Store / AppConfig.',
    );
  }
}

/** Length of a resolved CloudFormation value, counting each deploy-time reference at its likely longest. */
function estimatedLength(resolved: unknown): number {
  if (typeof resolved === 'string') return Buffer.byteLength(resolved);
  if (resolved !== null && typeof resolved === 'object' && 'Fn::Join' in resolved) {
    const [separator, parts] = (resolved as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
    return (
      parts.reduce<number>((sum, part) => sum + estimatedLength(part), 0) +
      separator.length * (parts.length - 1)
    );
  }
  return assumedTokenLength;
}
