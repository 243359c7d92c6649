/**
 * API handler time, excluding AWS calls: the real route handlers, built with in-memory fakes of the API's
 * own ports (MessageStore, SendQueue), called in a loop with REST (payload 1.0) proxy events after a
 * warm-up. What is left is our code: body parsing, validation and segmenting, record and SQS message
 * shaping, the answer's JSON — plus the Powertools Logger's per-request bookkeeping at level ERROR.
 *
 * Not in the figures: the AWS calls themselves, the one INFO log line per request (the Logger is at ERROR
 * so the terminal is not flooded) and the EMF metrics flush (POWERTOOLS_METRICS_DISABLED). Keyed POSTs go
 * through Powertools idempotency and its DynamoDB record; the bench sends no keys, so that path is not here.
 *
 * The fakes are the unit tests' (test/unit/lambdas/fakes.ts): a bench depending on a test helper, accepted
 * so the two cannot drift apart — they are small and import only the ports they fake.
 */
import { performance } from 'node:perf_hooks';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { apiEnv } from '../core/apiEnv.js';
import { type AcceptedResponse, apiLimits } from '../core/openApi.js';
import { createGetMessageHandler } from '../lambdas/getMessage.js';
import { createPostMessageHandler } from '../lambdas/postMessage.js';
import { createPostMessageBatchHandler } from '../lambdas/postMessageBatch.js';
import type { ApiHandler } from '../lambdas/shared/apiHandler.js';
import { createApiRuntime } from '../lambdas/shared/observability.js';
import {
  acceptDepsWith,
  FakeMessageStore,
  FakeSendQueue,
  InMemoryIdempotency,
  lambdaContext,
  proxyEvent,
  subAccounts,
} from '../test/unit/lambdas/fakes.js';

export interface TimingFigures {
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  /** Process CPU (user + system) over the measured loop, divided by its iterations. */
  cpuMs: number;
}

export interface HandlerTiming {
  scenario: string;
  route: string;
  statusCode: number;
  /** What the answer said about the text, where there is one (e.g. `GSM7, 1 part`). */
  note: string;
  iterations: number;
  warmup: number;
  /** Send requests per call: 1, or the batch size. */
  items: number;
  perRequest: TimingFigures;
  /** perRequest divided by `items` (batch only). */
  perItem?: TimingFigures;
}

const host = 'k3x9q2w1ab.execute-api.eu-west-1.amazonaws.com';

/** A REST API proxy event with the headers a regional API Gateway stage passes on (API key in use). */
function restEvent(
  method: 'GET' | 'POST',
  resource: string,
  path: string,
  body: unknown,
  pathParameters: Record<string, string> | null = null,
): APIGatewayProxyEvent {
  const text = body === undefined ? null : JSON.stringify(body);
  const headers: Record<string, string> = {
    Accept: 'application/json',
    'Accept-Encoding': 'gzip, deflate, br',
    Host: host,
    'User-Agent': 'acme-notifier/3.2.1 node/20.19.0',
    'X-Amzn-Trace-Id': 'Root=1-6745a1b2-3c4d5e6f7a8b9c0d1e2f3a4b',
    'X-Forwarded-For': '203.0.113.24',
    'X-Forwarded-Port': '443',
    'X-Forwarded-Proto': 'https',
    'x-api-key': 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8s9T0',
    ...(text === null
      ? {}
      : { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) }),
  };
  const base = proxyEvent({ httpMethod: method, resource, path });
  return {
    ...base,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    pathParameters,
    body: text,
    requestContext: {
      ...base.requestContext,
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      identity: {
        ...base.requestContext.identity,
        sourceIp: '203.0.113.24',
        userAgent: headers['User-Agent'] ?? null,
        apiKey: headers['x-api-key'] ?? null,
        apiKeyId: 'k3x9q2w1ab',
      },
    },
  };
}

function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

interface Scenario {
  scenario: string;
  route: string;
  handler: ApiHandler;
  event: APIGatewayProxyEvent;
  statusCode: number;
  items: number;
  iterations: number;
  note: (result: APIGatewayProxyResult) => string;
}

/**
 * Calls the handler `warmup` then `iterations` times, one at a time. A call that answers another status
 * than expected means the bench measured the wrong path: that is an error, not a figure.
 */
async function measure(scenario: Scenario, warmup: number, afterEach: () => void): Promise<HandlerTiming> {
  const { handler, event, statusCode, iterations, items } = scenario;
  const context = lambdaContext();
  let note = '';
  for (let i = 0; i < warmup; i++) {
    const result = await handler(event, context);
    if (result.statusCode !== statusCode)
      throw new Error(
        `${scenario.scenario}: answered ${result.statusCode}, expected ${statusCode}: ${result.body.slice(0, 300)}`,
      );
    if (i === 0) note = scenario.note(result);
    afterEach();
  }
  const times = new Float64Array(iterations);
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < iterations; i++) {
    const started = performance.now();
    const result = await handler(event, context);
    times[i] = performance.now() - started;
    if (result.statusCode !== statusCode)
      throw new Error(`${scenario.scenario}: answered ${result.statusCode}, expected ${statusCode}`);
    afterEach();
  }
  const cpuMs = cpuMsSince(cpuStart) / iterations;
  times.sort();
  const perRequest: TimingFigures = {
    p50Ms: quantile(times, 0.5),
    p99Ms: quantile(times, 0.99),
    meanMs: times.reduce((sum, t) => sum + t, 0) / iterations,
    cpuMs,
  };
  return {
    scenario: scenario.scenario,
    route: scenario.route,
    statusCode,
    note,
    iterations,
    warmup,
    items,
    perRequest,
    ...(items > 1
      ? {
          perItem: {
            p50Ms: perRequest.p50Ms / items,
            p99Ms: perRequest.p99Ms / items,
            meanMs: perRequest.meanMs / items,
            cpuMs: perRequest.cpuMs / items,
          },
        }
      : {}),
  };
}

const shortGsm = {
  subAccount: 'acme',
  to: '+6591234567',
  from: 'ACME',
  text: 'Your ACME code is 482913. It expires in 10 minutes. Do not share it with anyone.',
  clientReference: 'otp-7f3a9c',
};

/** Several UCS-2 parts: Chinese text and an emoji, on the sub-account that allows 10. */
const longUnicode = {
  subAccount: 'beta',
  to: '+6598765432',
  from: 'BetaShop',
  text:
    '📦 您的订单 #A1029384 已发货！预计送达时间：11月27日 14:00–18:00。' +
    '快递员将在送达前致电，请保持电话畅通。如需更改送达时间或地址，请在订单页面操作，或回复本短信联系客服。' +
    '签收时请当面检查包裹是否完好；如有破损，请拒收并联系我们，我们将在24小时内为您补发。' +
    '本次配送由顺丰速运承运，运单号 SF1402938475610，可在顺丰官网或小程序查询实时物流信息。' +
    '若您在配送时段不在家，可选择放置在快递柜或由物业代收，快递员会在放置后发送取件码给您。' +
    '感谢您选择 Beta Shop，祝您购物愉快！退订回复 TD。',
  context: { orderId: 'A1029384', campaign: 'shipping-notice' },
};

/** Three bad fields: a number without +, a sender too long, an empty text. */
const threeBadFields = {
  subAccount: 'acme',
  to: '6591234567',
  from: 'ACME-NOTIFICATIONS',
  text: '',
};

function batchOf(count: number) {
  return {
    messages: Array.from({ length: count }, (_, i) => ({
      subAccount: i % 2 === 0 ? 'acme' : 'beta',
      to: `+6591${String(100_000 + i).padStart(6, '0')}`,
      from: 'ACME',
      text: `Hi, your appointment #${10_000 + i} is confirmed for tomorrow at 10:30. Reply C to cancel.`,
      clientReference: `appt-${10_000 + i}`,
    })),
  };
}

const describeSend = (result: APIGatewayProxyResult): string => {
  const body = JSON.parse(result.body) as { encoding?: string; parts?: number; errors?: unknown[] };
  if (body.errors !== undefined) return `${body.errors.length} field errors`;
  return `${body.encoding}, ${body.parts} part${body.parts === 1 ? '' : 's'}`;
};

/** The five scenarios, timed call by call; a batch call gets a tenth of the iterations and warm-up. */
export async function apiHandlerTimes(scale: {
  iterations: number;
  warmup: number;
}): Promise<HandlerTiming[]> {
  const runtime = createApiRuntime({ [apiEnv.logLevel]: 'ERROR', [apiEnv.metricsDisabled]: 'true' });
  const store = new FakeMessageStore();
  const queue = new FakeSendQueue();
  // The production clock, not the fakes' fixed one; ids are the handlers' own (random UUIDs).
  const accept = { ...acceptDepsWith(store, queue), now: Date.now };
  const common = { runtime, subAccounts, accept, publicBaseUrl: undefined };
  const postMessage = createPostMessageHandler({
    ...common,
    idempotency: new InMemoryIdempotency<AcceptedResponse>(),
  });
  const postBatch = createPostMessageBatchHandler(common);
  const getMessage = createGetMessageHandler({ runtime, store });

  // GET reads a record the real POST path wrote; the posts start each call from an empty store.
  const seeded = await postMessage(restEvent('POST', '/messages', '/messages', shortGsm), lambdaContext());
  const { messageId } = JSON.parse(seeded.body) as { messageId: string };
  const record = store.items.get(messageId);
  if (record === undefined) throw new Error('the seeding POST left no record');
  const forgetWrites = () => {
    store.items.clear();
    store.items.set(messageId, record);
    queue.sent.length = 0;
    queue.batchCalls.length = 0;
  };

  const { iterations } = scale;
  const batchSize = apiLimits.maxBatchItems;
  const scenarios: Scenario[] = [
    {
      scenario: 'POST /messages, short GSM',
      route: 'POST /messages',
      handler: postMessage,
      event: restEvent('POST', '/messages', '/messages', shortGsm),
      statusCode: 202,
      items: 1,
      iterations,
      note: describeSend,
    },
    {
      scenario: 'POST /messages, long Unicode',
      route: 'POST /messages',
      handler: postMessage,
      event: restEvent('POST', '/messages', '/messages', longUnicode),
      statusCode: 202,
      items: 1,
      iterations,
      note: describeSend,
    },
    {
      scenario: 'POST /messages, 3 bad fields',
      route: 'POST /messages',
      handler: postMessage,
      event: restEvent('POST', '/messages', '/messages', threeBadFields),
      statusCode: 400,
      items: 1,
      iterations,
      note: describeSend,
    },
    {
      scenario: `POST /messages/batch, ${batchSize} items`,
      route: 'POST /messages/batch',
      handler: postBatch,
      event: restEvent('POST', '/messages/batch', '/messages/batch', batchOf(batchSize)),
      statusCode: 200,
      items: batchSize,
      // A batch call is ~100 single sends: fewer calls keep the section short.
      iterations: Math.max(100, Math.round(iterations / 10)),
      note: (result) => {
        const body = JSON.parse(result.body) as { accepted: number; rejected: number };
        return `${body.accepted} accepted, ${body.rejected} rejected`;
      },
    },
    {
      scenario: 'GET /messages/{id}',
      route: 'GET /messages/{id}',
      handler: getMessage,
      event: restEvent('GET', '/messages/{id}', `/messages/${messageId}`, undefined, { id: messageId }),
      statusCode: 200,
      items: 1,
      iterations,
      note: (result) => `record, ${result.body.length} bytes`,
    },
  ];

  const timings: HandlerTiming[] = [];
  for (const scenario of scenarios) {
    const warmup = scenario.items > 1 ? Math.max(20, Math.round(scale.warmup / 10)) : scale.warmup;
    timings.push(await measure(scenario, warmup, forgetWrites));
  }
  return timings;
}
