/**
 * The IAM contract: every AWS call the fleet's code made against the emulator (moto's request recorder,
 * test/support/recordedRequests.ts), evaluated against the policies of the role that code runs with in the
 * synthesized template — action, resource ARN and the conditions the stack sets (`aws:SecureTransport` on
 * the queues' policies) — and, the other way round, every action a role is granted that no recorded call
 * used.
 *
 * Who called: each side of the fleet signs with an access key id of its own in the local runs (the
 * emulator accepts any), named after its role: `principalKeys` below. The test process's own calls (setup,
 * reading records) sign with the emulator's default key and are not the fleet's.
 *
 * The evaluator is pbac (MIT, "AWS IAM Policy inspired and (mostly) compatible"). Weighed against the
 * others: @cloud-copilot/iam-simulate is the most complete but AGPL-3.0, which an Apache-2.0 project should
 * not take on; moto's own `IAMPolicy` answers DENIED when an Allow's condition does not hold (IAM answers
 * "not applicable") and only knows string conditions; policyglass (PyPI) compares policies as sets and does
 * not evaluate a request. pbac evaluates a request (action, resource, context) against policy documents
 * with IAM's deny-overrides logic, wildcards in actions and resources, and the condition operators the
 * stack uses (Bool, ArnEquals, StringEquals…). Where it departs from IAM, the policies are adapted here
 * and the departure is checked rather than trusted:
 * - IAM compares action names ignoring case, pbac does not: both sides are lower-cased.
 * - pbac reads one context key per condition operator: a block with more than one key throws.
 * - pbac matches a statement's Principal by string equality: a resource policy's statement for everyone
 *   (`*`, `{"AWS":"*"}`) is kept without its Principal (it applies to the caller), one for a service or
 *   another principal is left out (it does not apply to the fleet's roles).
 * - A same-account call is allowed when the role's policies or the resource's policy allow it and neither
 *   denies it: both are evaluated as one set.
 *
 * CloudFormation values in the policies are resolved to the names the stack gives its resources (core
 * decides them, so they are the names the local run used when the stack is synthesized with the run's
 * resource prefix). No library resolves intrinsics to physical ARNs offline; the few CDK writes into these
 * policies are handled in `resolve` and anything else throws, naming it.
 */
import PBAC from 'pbac';

export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
  Sid?: string;
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

/** One authorization IAM makes for a call (a batch or transaction call makes one per table or item kind). */
export interface AuthorizationRequest {
  /** The access key id the call was signed with. */
  principal: string;
  /** `DynamoDB.TransactWriteItems`, `SQS.SendMessageBatch`, … as the code called it. */
  operation: string;
  /** `dynamodb:PutItem`, `sqs:SendMessage`, … as IAM authorizes it. */
  action: string;
  resource: string;
}

export interface ArnContext {
  region: string;
  accountId: string;
  /** Secrets Manager: a secret's name → its ARN (the emulator's, with the suffix AWS appends). */
  secretArns?: ReadonlyMap<string, string>;
}

/**
 * The access key id each side of the fleet signs with in the local runs (the whole-fleet harness gives the
 * workers and each API route its own), standing for the role it has in AWS.
 */
export const principalKeys = {
  worker: 'fleet-worker-task-role',
  apiRoute: (routeId: string) => `fleet-api-${routeId}-role`,
  /**
   * The records-stream consumer (infra/constructs/RecordEvents.ts): the local runner that stands in for
   * Lambda's event source mapping signs its stream reads and failure records with it, and the handler it
   * runs its PutEvents, as the function's execution role does both in AWS.
   */
  recordEvents: 'fleet-record-events-role',
  /**
   * The reconciler (infra/constructs/Reconciler.ts): the whole-fleet harness runs its handler once, signed
   * with this key, as its schedule does in AWS with the function's execution role.
   */
  reconciler: 'fleet-reconciler-role',
} as const;

/** The context every call is evaluated in: the SDK calls AWS over HTTPS only. */
export const callContext = { aws: { SecureTransport: 'true' } } as const;

interface Template {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

// ---------------------------------------------------------------------------------------------------------
// The calls

const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/**
 * What IAM authorizes for one call of the JSON protocols (DynamoDB and its streams, SQS, EventBridge, Secrets
 * Manager), as the service authorization reference lists it: a batch call is authorized as its single action
 * (`sqs:SendMessage` for SendMessageBatch), a transaction per item kind and table, a stream read on the
 * stream's ARN (`dynamodb:` actions). A call this does not know comes back as `unknown:<target>`, which no
 * policy allows.
 */
export function authorizationRequests(
  principal: string,
  target: string,
  body: Record<string, unknown>,
  context: ArnContext,
): AuthorizationRequest[] {
  const [service = '', operation = ''] = target.split('.');
  const arn = (suffix: string, partService: string) =>
    `arn:aws:${partService}:${context.region}:${context.accountId}:${suffix}`;
  const make = (action: string, resource: string, name: string): AuthorizationRequest => ({
    principal,
    operation: name,
    action,
    resource,
  });

  if (service === 'DynamoDB_20120810') {
    const name = `DynamoDB.${operation}`;
    const table = (tableName: unknown) => arn(`table/${String(tableName)}`, 'dynamodb');
    if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
      const kinds: Record<string, string> = {
        Put: 'PutItem',
        Update: 'UpdateItem',
        Delete: 'DeleteItem',
        ConditionCheck: 'ConditionCheckItem',
        Get: 'GetItem',
      };
      return list(body.TransactItems as Array<Record<string, { TableName?: string }>>).flatMap((item) =>
        Object.entries(item).map(([kind, spec]) =>
          make(`dynamodb:${kinds[kind] ?? kind}`, table(spec.TableName), name),
        ),
      );
    }
    if (operation === 'BatchWriteItem' || operation === 'BatchGetItem') {
      return Object.keys((body.RequestItems ?? {}) as Record<string, unknown>).map((tableName) =>
        make(`dynamodb:${operation}`, table(tableName), name),
      );
    }
    const index = typeof body.IndexName === 'string' ? `/index/${body.IndexName}` : '';
    return [make(`dynamodb:${operation}`, table(body.TableName) + index, name)];
  }
  if (service === 'DynamoDBStreams_20120810') {
    const name = `DynamoDBStreams.${operation}`;
    // ListStreams has no resource-level permissions: IAM authorizes it on "*".
    if (operation === 'ListStreams') return [make('dynamodb:ListStreams', '*', name)];
    if (operation === 'GetRecords') {
      return [make('dynamodb:GetRecords', streamArnOfShardIterator(body.ShardIterator), name)];
    }
    return [make(`dynamodb:${operation}`, String(body.StreamArn), name)];
  }
  if (service === 'AmazonSQS') {
    const name = `SQS.${operation}`;
    const queueArn = (): string => {
      if (typeof body.QueueName === 'string') return arn(body.QueueName, 'sqs');
      const path = new URL(String(body.QueueUrl)).pathname.split('/').filter(Boolean);
      return `arn:aws:sqs:${context.region}:${path[0] ?? ''}:${path[1] ?? ''}`;
    };
    return [make(`sqs:${operation.replace(/Batch$/, '')}`, queueArn(), name)];
  }
  if (service === 'AWSEvents') {
    const name = `EventBridge.${operation}`;
    const busArn = (bus: unknown) => {
      const value = typeof bus === 'string' && bus !== '' ? bus : 'default';
      return value.startsWith('arn:') ? value : arn(`event-bus/${value}`, 'events');
    };
    if (operation === 'PutEvents') {
      const buses = new Set(
        list(body.Entries as Array<{ EventBusName?: string }>).map((entry) => busArn(entry.EventBusName)),
      );
      return [...buses].map((bus) => make('events:PutEvents', bus, name));
    }
    return [make(`events:${operation}`, busArn(body.EventBusName ?? body.Name), name)];
  }
  if (service === 'secretsmanager') {
    const id = String(body.SecretId ?? '');
    const secretArn = id.startsWith('arn:')
      ? id
      : (context.secretArns?.get(id) ?? arn(`secret:${id}-??????`, 'secretsmanager'));
    return [make(`secretsmanager:${operation}`, secretArn, `SecretsManager.${operation}`)];
  }
  return [make(`unknown:${target}`, '*', target)];
}

/**
 * The stream a GetRecords call reads. AWS authorizes it on the stream the iterator was issued for; the
 * iterator is opaque in AWS, and moto's is `<stream ARN>|1|<id>`. Anything else comes back as a resource no
 * policy names, so the call is denied rather than guessed at.
 */
export function streamArnOfShardIterator(iterator: unknown): string {
  const [streamArn = ''] = String(iterator).split('|');
  return /^arn:aws:dynamodb:[^:]*:\d*:table\/[^/]+\/stream\/[^/|]+$/.test(streamArn)
    ? streamArn
    : `unreadable-shard-iterator:${String(iterator)}`;
}

// ---------------------------------------------------------------------------------------------------------
// The stack

export interface StackPolicies {
  /** A role's identity policies (inline, attached AWS::IAM::Policy and customer-managed), by logical id. */
  readonly identity: ReadonlyMap<string, PolicyDocument[]>;
  /** Resource policies (SQS queue policies), with the ARNs of the resources they are attached to. */
  readonly resource: ReadonlyArray<{ resources: string[]; document: PolicyDocument }>;
  /** Roles with an AWS-managed policy attached, which cannot be read offline. */
  readonly managedPolicyArns: ReadonlyMap<string, string[]>;
}

/**
 * The policies of these roles (by logical id) and every queue's policy in the template, their
 * CloudFormation values resolved (only theirs: other roles may hold values this cannot resolve).
 */
export function stackPolicies(
  template: Template,
  context: ArnContext,
  roleLogicalIds: readonly string[],
): StackPolicies {
  const wanted = new Set(roleLogicalIds);
  const identity = new Map<string, PolicyDocument[]>(roleLogicalIds.map((id) => [id, []]));
  const managedPolicyArns = new Map<string, string[]>();
  const resource: Array<{ resources: string[]; document: PolicyDocument }> = [];
  const value = (raw: unknown) => resolve(raw, template, context);
  const addTo = (roleRefs: unknown, document: unknown) => {
    for (const { Ref: roleId } of list(roleRefs as Array<{ Ref: string }>)) {
      if (!wanted.has(roleId)) continue;
      identity.set(roleId, [...(identity.get(roleId) ?? []), value(document) as PolicyDocument]);
    }
  };
  for (const [id, { Type, Properties = {} }] of Object.entries(template.Resources)) {
    if (Type === 'AWS::IAM::Role' && wanted.has(id)) {
      for (const policy of list(Properties.Policies as Array<{ PolicyDocument: unknown }>)) {
        addTo([{ Ref: id }], policy.PolicyDocument);
      }
      const managed = list(Properties.ManagedPolicyArns as unknown[]).map((arn) => String(value(arn)));
      if (managed.length > 0) managedPolicyArns.set(id, managed);
    } else if (Type === 'AWS::IAM::Policy' || Type === 'AWS::IAM::ManagedPolicy') {
      addTo(Properties.Roles, Properties.PolicyDocument);
    } else if (Type === 'AWS::SQS::QueuePolicy') {
      const queues = list(Properties.Queues as Array<{ Ref: string }>).map((ref) =>
        String(value({ 'Fn::GetAtt': [ref.Ref, 'Arn'] })),
      );
      resource.push({ resources: queues, document: value(Properties.PolicyDocument) as PolicyDocument });
    }
  }
  for (const id of roleLogicalIds) {
    if (template.Resources[id]?.Type !== 'AWS::IAM::Role') throw new Error(`no role ${id} in the template`);
  }
  return { identity, resource, managedPolicyArns };
}

const pseudoParameters = (context: ArnContext): Record<string, string> => ({
  'AWS::Region': context.region,
  'AWS::AccountId': context.accountId,
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
});

/** A resource's ARN from its properties: the names core gives every resource the fleet's code calls. */
function resourceArn(logicalId: string, template: Template, context: ArnContext): string {
  const resource = template.Resources[logicalId];
  if (resource === undefined) throw new Error(`no resource ${logicalId} in the template`);
  const props = resource.Properties ?? {};
  const arn = (service: string, suffix: string) =>
    `arn:aws:${service}:${context.region}:${context.accountId}:${suffix}`;
  const named = (property: string) => {
    const name = props[property];
    if (typeof name !== 'string')
      throw new Error(`${logicalId} (${resource.Type}) has no literal ${property}`);
    return name;
  };
  switch (resource.Type) {
    case 'AWS::DynamoDB::Table':
      return arn('dynamodb', `table/${named('TableName')}`);
    case 'AWS::SQS::Queue':
      return arn('sqs', named('QueueName'));
    case 'AWS::Events::EventBus':
      return arn('events', `event-bus/${named('Name')}`);
    case 'AWS::Events::Rule':
      return arn('events', `rule/${logicalId}`);
    case 'AWS::SecretsManager::Secret':
      return arn('secretsmanager', `secret:${named('Name')}-??????`);
    // Log groups without a literal name get one from CloudFormation; none of the code's calls goes to
    // CloudWatch Logs (Lambda's runtime and ECS's log driver write them), so the logical id stands in.
    case 'AWS::Logs::LogGroup':
      return arn(
        'logs',
        `log-group:${typeof props.LogGroupName === 'string' ? props.LogGroupName : logicalId}:*`,
      );
    default:
      throw new Error(`cannot name the ARN of ${logicalId} (${resource.Type})`);
  }
}

/**
 * A table's stream, `…:table/<name>/stream/*`. The last part is the stream's label, the time DynamoDB made
 * it (AWS `2026-12-02T10:15:30.123`, moto an ISO time with microseconds): only known once the table exists,
 * and a new one each time the stream is turned on. The template's `StreamArn` always names the table's
 * current stream, which is the one a local run reads, so any label of that table stands for it.
 */
function tableStreamArn(logicalId: string, template: Template, context: ArnContext): string {
  const resource = template.Resources[logicalId];
  const specification = resource?.Properties?.StreamSpecification as { StreamViewType?: string } | undefined;
  if (resource?.Type !== 'AWS::DynamoDB::Table' || specification?.StreamViewType === undefined) {
    throw new Error(`cannot resolve Fn::GetAtt ${logicalId}.StreamArn: not a table with a stream`);
  }
  return `${resourceArn(logicalId, template, context)}/stream/*`;
}

/** A CloudFormation value with its intrinsic functions resolved (those CDK writes into IAM policies). */
export function resolve(value: unknown, template: Template, context: ArnContext): unknown {
  if (Array.isArray(value)) return value.map((item) => resolve(item, template, context));
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  const only = keys.length === 1 ? keys[0] : undefined;
  if (only === 'Ref') {
    const name = String(object.Ref);
    const pseudo = pseudoParameters(context)[name];
    if (pseudo !== undefined) return pseudo;
    const type = template.Resources[name]?.Type;
    if (type === 'AWS::SecretsManager::Secret') return resourceArn(name, template, context);
    throw new Error(`cannot resolve { Ref: ${name} } (${type ?? 'not in the template'})`);
  }
  if (only === 'Fn::GetAtt') {
    const [logicalId, attribute] = object['Fn::GetAtt'] as [string, string];
    if (attribute === 'Arn') return resourceArn(logicalId, template, context);
    if (attribute === 'StreamArn') return tableStreamArn(logicalId, template, context);
    throw new Error(`cannot resolve Fn::GetAtt ${logicalId}.${attribute}`);
  }
  if (only === 'Fn::Join') {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => String(resolve(part, template, context))).join(separator);
  }
  if (only === 'Fn::Sub') {
    const text = String(object['Fn::Sub']);
    return text.replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
      const pseudo = pseudoParameters(context)[name];
      if (pseudo !== undefined) return pseudo;
      const [logicalId, attribute] = name.split('.');
      if (attribute === 'Arn' && logicalId !== undefined) return resourceArn(logicalId, template, context);
      throw new Error(`cannot resolve ${whole} in Fn::Sub`);
    });
  }
  if (only?.startsWith('Fn::')) throw new Error(`cannot resolve ${only}`);
  return Object.fromEntries(keys.map((key) => [key, resolve(object[key], template, context)]));
}

// ---------------------------------------------------------------------------------------------------------
// The evaluation

const everyone = (principal: unknown) =>
  principal === '*' ||
  (typeof principal === 'object' && principal !== null && (principal as { AWS?: unknown }).AWS === '*');

/** A statement as pbac evaluates it the way IAM would (see the file comment), or undefined if it does not apply. */
function forEvaluator(statement: PolicyStatement, where: string): PolicyStatement | undefined {
  if (statement.Principal !== undefined && !everyone(statement.Principal)) return undefined;
  const { Principal: _principal, ...rest } = statement;
  for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
    if (Object.keys(keys).length !== 1) {
      throw new Error(
        `${where}: the ${operator} condition has ${Object.keys(keys).length} keys; the evaluator reads one`,
      );
    }
  }
  const lower = (actions: string | string[] | undefined) =>
    actions === undefined ? undefined : list(actions).map((action) => action.toLowerCase());
  const action = lower(statement.Action);
  const notAction = lower(statement.NotAction);
  return {
    ...rest,
    ...(action === undefined ? {} : { Action: action }),
    ...(notAction === undefined ? {} : { NotAction: notAction }),
    ...(statement.Resource === undefined ? {} : { Resource: list(statement.Resource) }),
  };
}

function evaluatorFor(documents: readonly PolicyDocument[], where: string): PBAC {
  const statements = documents
    .flatMap((document) => list(document.Statement))
    .flatMap((statement) => forEvaluator(statement, where) ?? []);
  return new PBAC([{ Version: '2012-10-17', Statement: statements }], { validateSchema: false });
}

export interface RoleCalls {
  /** Names the role in messages (e.g. `worker task role`). */
  readonly name: string;
  readonly roleLogicalId: string;
  readonly requests: readonly AuthorizationRequest[];
}

export interface Evaluation {
  /** `role: operation → action on resource` for each call the role's policies do not allow. */
  readonly denied: string[];
  /** Calls evaluated, per role name. */
  readonly evaluated: Record<string, number>;
}

/** Each call against its role's identity policies and the resource's own policy, in `context`. */
export function evaluateCalls(
  policies: StackPolicies,
  roles: readonly RoleCalls[],
  context: Record<string, unknown> = callContext,
): Evaluation {
  const denied: string[] = [];
  const evaluated: Record<string, number> = {};
  for (const role of roles) {
    const identity = policies.identity.get(role.roleLogicalId);
    if (identity === undefined)
      throw new Error(`${role.name}: no role ${role.roleLogicalId} in the template`);
    const managed = policies.managedPolicyArns.get(role.roleLogicalId);
    if (managed !== undefined) {
      throw new Error(`${role.name}: AWS-managed policies cannot be evaluated here: ${managed.join(', ')}`);
    }
    const byResource = new Map<string, PBAC>();
    const evaluatorForResource = (resource: string) => {
      let evaluator = byResource.get(resource);
      if (evaluator === undefined) {
        const resourcePolicies = policies.resource
          .filter((policy) => policy.resources.includes(resource))
          .map((policy) => policy.document);
        evaluator = evaluatorFor([...identity, ...resourcePolicies], role.name);
        byResource.set(resource, evaluator);
      }
      return evaluator;
    };
    const seen = new Set<string>();
    for (const request of role.requests) {
      evaluated[role.name] = (evaluated[role.name] ?? 0) + 1;
      const key = `${request.action} ${request.resource}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const allowed = evaluatorForResource(request.resource).evaluate({
        action: request.action.toLowerCase(),
        resource: request.resource,
        context,
      });
      if (!allowed) {
        denied.push(`${role.name}: ${request.operation} → ${request.action} on ${request.resource}`);
      }
    }
  }
  return { denied, evaluated };
}

/**
 * Every action a role's Allow statements grant on a resource that no recorded call of that role used:
 * `role: action on resource`. Wildcard actions are listed as they are written.
 */
export function unusedGrants(policies: StackPolicies, roles: readonly RoleCalls[]): string[] {
  const unused: string[] = [];
  for (const role of roles) {
    const distinct = new Map(
      role.requests.map((request) => [`${request.action} ${request.resource}`, request]),
    );
    for (const document of policies.identity.get(role.roleLogicalId) ?? []) {
      for (const statement of list(document.Statement)) {
        if (statement.Effect !== 'Allow') continue;
        for (const action of list(statement.Action)) {
          for (const resource of list(statement.Resource)) {
            const grant = evaluatorFor(
              [{ Statement: { Effect: 'Allow', Action: action, Resource: resource } }],
              role.name,
            );
            const used = [...distinct.values()].some(
              (request) =>
                request.action.toLowerCase() === action.toLowerCase() &&
                grant.evaluate({ action: request.action.toLowerCase(), resource: request.resource }),
            );
            if (!used) unused.push(`${role.name}: ${action} on ${resource}`);
          }
        }
      }
    }
  }
  return [...new Set(unused)];
}
