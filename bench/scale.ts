/**
 * Section 6, scale on paper: from the pipeline's measured worker CPU and AWS calls per message, how many
 * sub-accounts at full rate one small Fargate task sustains, and what the AWS side costs per million
 * messages at list prices (bench/prices.ts). Every figure is printed with the arithmetic behind it.
 *
 * What is measured and what is assumed:
 * - measured (section 3): worker CPU per message net of idle, the worker's idle CPU rate (4 binds, leases,
 *   long polls), its memory, and the calls and entries per message as the emulator received them;
 * - assumed, and said so in the output: a message is one SMS part; the record's JSON size stands for its
 *   DynamoDB item size; reads are strongly consistent and under 4 KB; SQS/EventBridge response sizes and
 *   SMPP bytes on the wire (bench constants below); a task is run at most 70 % busy.
 */
import type { HandlerTiming } from './api.js';
import type { PipelineResult } from './pipeline.js';
import { type PriceRegion, prices } from './prices.js';

/** 8x8's allowance per sub-account: 4 binds × 50 submit_sm/s. */
export const fullRatePerSubAccount = 200;
/** Leave headroom for bursts, GC and receipts arriving in clumps. */
const targetUtilisation = 0.7;
/** Fargate task sizes asked about, with the smallest memory each allows (GB). */
const taskSizes = [
  { vcpu: 0.25, memoryGb: 0.5 },
  { vcpu: 0.5, memoryGb: 1 },
] as const;

/**
 * SMPP bytes per one-part message on the wire through the NAT (IP packets, both directions), estimated:
 * submit_sm with a 160-character GSM text ≈ 210 B, submit_sm_resp with a 36-character id ≈ 53 B, a
 * deliver_sm receipt with 8x8's TLVs ≈ 260 B, deliver_sm_resp 17 B; plus per PDU a TLS record (≈ 29 B) and
 * TCP/IP headers (52 B) for the PDU and its ACK.
 */
const smppBytesPerMessage = 210 + 53 + 260 + 17 + 4 * (29 + 2 * 52);
/** AWS responses are not recorded: per call ≈ 450 B (HTTP headers + a small JSON body) … */
const responseBytesPerCall = 450;
/** … plus, for each message received from SQS, its body, attributes and receipt handle ≈ 900 B. */
const receivedMessageBytes = 900;
/** TLS and TCP/IP overhead per HTTPS call through the NAT (keep-alive connections, no handshake). */
const httpsOverheadPerCall = 120;
/** Lambda duration assumed per POST /messages: two in-region AWS calls (PutItem, SendMessage) + handler. */
const lambdaMsPerRequest = 30;
const lambdaMemoryGb = 0.5;
/**
 * The records-stream consumer: its invocations are counted as its PutEvents calls (an invocation with events
 * makes at least one), each assumed to take this long at lambdaMemoryGb (a batch's PutEvents round trips in
 * region). Lambda reads its DynamoDB stream for free.
 */
const streamConsumerMsPerInvocation = 40;

export interface PerMessage {
  sqsRequestsWorker: number;
  sqsRequestsEnqueue: number;
  dynamoWriteUnits: number;
  dynamoReadUnits: number;
  events: number;
  natBytes: number;
  leaseWriteUnitsPerSecond: number;
  leaseReadUnitsPerSecond: number;
}

export interface RegionCost {
  region: PriceRegion;
  /** USD per million messages, by line. */
  lines: Record<string, number>;
  totalSqsPath: number;
  apiExtra: number;
}

export interface ScaleResult {
  cpuMsPerMessage: number;
  idleCpuMsPerSecond: number;
  perSubAccountCpuMsPerSecond: number;
  tasks: Array<{ vcpu: number; memoryGb: number; messagesPerSecond: number; subAccountsAtFullRate: number }>;
  perMessage: PerMessage;
  costs: RegionCost[];
  /** The printed arithmetic. */
  lines: string[];
}

const f = (n: number, digits = 2) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function scaleOnPaper(pipeline: PipelineResult, api: readonly HandlerTiming[]): ScaleResult {
  const out: string[] = [];
  const n = pipeline.messages;
  const worker = pipeline.calls.filter((c) => c.role === 'worker per message');
  const leases = pipeline.calls.filter((c) => c.role === 'worker leases');
  const enqueue = pipeline.calls.filter((c) => c.role === 'bench enqueue');
  const sum = (list: typeof worker, pick: (c: (typeof worker)[number]) => number) =>
    list.reduce((total, c) => total + pick(c), 0);

  const cpuMs = Math.max(pipeline.worker.cpuMsPerMessageNet, 0.001);
  const idle = pipeline.worker.idleCpuMsPerSecond;
  const perSubAccount = cpuMs * fullRatePerSubAccount + idle;
  out.push(
    `  CPU: ${f(cpuMs, 2)} ms per message (section 3, net of idle) × ${fullRatePerSubAccount} msg/s + ${f(idle, 1)} ms/s idle (4 binds, leases, polls) = ${f(perSubAccount, 0)} CPU ms per second per sub-account at full rate = ${f(perSubAccount / 1000, 2)} vCPU`,
  );
  const tasks = taskSizes.map(({ vcpu, memoryGb }) => {
    const budget = vcpu * 1000 * targetUtilisation;
    const messagesPerSecond = Math.max(0, (budget - idle) / cpuMs);
    const subAccountsAtFullRate = budget / perSubAccount;
    out.push(
      `  ${vcpu} vCPU / ${memoryGb} GB task at ${targetUtilisation * 100} % busy: ${f(budget, 0)} CPU ms/s → (${f(budget, 0)} − ${f(idle, 1)}) / ${f(cpuMs, 2)} = ${f(messagesPerSecond, 0)} msg/s = ${f(subAccountsAtFullRate, 2)} sub-accounts at ${fullRatePerSubAccount} msg/s` +
        ` (memory: the worker used ${f(pipeline.worker.rssMiB, 0)} MiB RSS with one sub-account)`,
    );
    return { vcpu, memoryGb, messagesPerSecond, subAccountsAtFullRate };
  });

  const recordKb = Math.ceil(pipeline.messageRecordBytes / 1024);
  const writeUnits = (c: (typeof worker)[number], kb: number) => c.entries * kb * (c.transactional ? 2 : 1);
  const dynamo = worker.filter((c) => c.operation.startsWith('DynamoDB.'));
  const wru =
    sum(dynamo, (c) => writeUnits(c, c.target.endsWith('messages') ? recordKb : 1)) / Math.max(1, n);
  const rru = sum(dynamo, (c) => c.itemsRead) / Math.max(1, n);
  const sqsWorker = worker.filter((c) => c.operation.startsWith('SQS.'));
  const consumer = pipeline.calls.filter((c) => c.role === 'stream consumer per message');
  const eventCalls = [...worker, ...consumer].filter((c) => c.operation === 'EventBridge.PutEvents');
  const consumerInvocations =
    sum(
      consumer.filter((c) => c.operation === 'EventBridge.PutEvents'),
      (c) => c.calls,
    ) / n;
  const sqsRequestsWorker = sum(sqsWorker, (c) => c.calls) / n;
  const sqsRequestsEnqueue = sum(enqueue, (c) => c.calls) / n;
  const events = sum(eventCalls, (c) => c.entries) / n;
  // The consumer is a Lambda function outside the VPC: its calls do not pass the NAT.
  const viaNat = [...sqsWorker, ...worker.filter((c) => c.operation === 'EventBridge.PutEvents')];
  const awsBytes =
    (sum(viaNat, (c) => c.requestBytes + c.calls * (responseBytesPerCall + httpsOverheadPerCall)) +
      n * receivedMessageBytes) /
    n;
  const natBytes = awsBytes + smppBytesPerMessage;
  const window = pipeline.windowSeconds;
  const leaseWriteUnitsPerSecond = sum(leases, (c) => c.entries) / window;
  const leaseReadUnitsPerSecond = sum(leases, (c) => c.itemsRead) / window;
  const perMessage: PerMessage = {
    sqsRequestsWorker,
    sqsRequestsEnqueue,
    dynamoWriteUnits: wru,
    dynamoReadUnits: rru,
    events,
    natBytes,
    leaseWriteUnitsPerSecond,
    leaseReadUnitsPerSecond,
  };
  out.push(
    `  per message, counted at the emulator (section 3's ${n} messages): SQS ${f(sqsRequestsWorker)} worker requests ` +
      `(${sqsWorker.map((c) => `${c.operation.slice(4)} ${f(c.calls / n)}`).join(', ')}) + ${f(sqsRequestsEnqueue)} to enqueue (SendMessageBatch of 10; 1 if sent one by one); ` +
      `DynamoDB ${f(wru)} WRU (${dynamo
        .filter((c) => c.entries > 0)
        .map((c) => `${c.operation.slice(9)} ${c.target.replace(/^.*-/, '')} ${f(c.entries / n)}`)
        .join(
          ', ',
        )}; record ≈ ${f(pipeline.messageRecordBytes, 0)} B → ${recordKb} KB each) and ${f(rru)} RRU; ` +
      `EventBridge ${f(events)} events; NAT ≈ ${f(natBytes, 0)} B (AWS calls ${f(awsBytes, 0)} B of which requests measured, responses estimated; SMPP ≈ ${smppBytesPerMessage} B estimated)`,
  );
  out.push(
    `  not per message: leases ${f(leaseWriteUnitsPerSecond)} WRU/s and ${f(leaseReadUnitsPerSecond)} RRU/s per worker (4 slots), ` +
      `i.e. ${f(leaseWriteUnitsPerSecond / fullRatePerSubAccount, 4)} WRU per message at full rate; NAT gateways ${f(prices['us-east-1'].natGatewayHour.usd)}–${f(prices['ap-southeast-1'].natGatewayHour.usd, 3)} $/hour each regardless of traffic`,
  );

  const single = api.find((t) => t.scenario === 'POST /messages, short GSM');
  const costs: RegionCost[] = (['us-east-1', 'ap-southeast-1'] as const).map((region) => {
    const p = prices[region];
    const million = 1e6;
    const vcpuHours = (cpuMs * million) / 1000 / 3600;
    const enqueueUsd = sqsRequestsEnqueue * million * p.sqsRequest.usd;
    const lines: Record<string, number> = {
      'SQS (worker)': sqsRequestsWorker * million * p.sqsRequest.usd,
      'SQS (enqueue, batches of 10)': enqueueUsd,
      'DynamoDB writes': wru * million * p.dynamoWriteUnit.usd,
      'DynamoDB reads': rru * million * p.dynamoReadUnit.usd,
      'EventBridge events': events * million * p.eventBridgeEvent.usd,
      'Lambda (records-stream consumer)':
        consumerInvocations *
        million *
        (p.lambdaRequest.usd +
          (streamConsumerMsPerInvocation / 1000) * lambdaMemoryGb * p.lambdaArmGbSecond.usd),
      'Fargate vCPU (busy time)': vcpuHours * p.fargateVcpuHour.usd,
      'Fargate memory (2 GB per vCPU)': vcpuHours * 2 * p.fargateGbHour.usd,
      'NAT processing': ((natBytes * million) / 1e9) * p.natGatewayGb.usd,
      'internet out (SMPP to 8x8)': ((smppBytesPerMessage * 0.6 * million) / 1e9) * p.internetOutGb.usd,
    };
    const totalSqsPath = Object.values(lines).reduce((a, b) => a + b, 0);
    const apiLines = {
      'API Gateway REST': million * p.apiGatewayRestRequest.usd,
      Lambda:
        million *
        (p.lambdaRequest.usd + (lambdaMsPerRequest / 1000) * lambdaMemoryGb * p.lambdaArmGbSecond.usd),
      'API DynamoDB PutItem + SQS SendMessage (replacing the batch enqueue)':
        million * (p.dynamoWriteUnit.usd + p.sqsRequest.usd) - enqueueUsd,
    };
    const apiExtra = Object.values(apiLines).reduce((a, b) => a + b, 0);
    out.push(`  ${region}, USD per million messages:`);
    out.push(
      `    SQS ${f(sqsRequestsWorker + sqsRequestsEnqueue)} req × 1M × ${p.sqsRequest.what} = ${f((lines['SQS (worker)'] ?? 0) + (lines['SQS (enqueue, batches of 10)'] ?? 0))}`,
    );
    out.push(
      `    DynamoDB ${f(wru)} WRU × 1M × ${p.dynamoWriteUnit.what} = ${f(lines['DynamoDB writes'] ?? 0)}`,
    );
    out.push(
      `    DynamoDB ${f(rru)} RRU × 1M × ${p.dynamoReadUnit.what} = ${f(lines['DynamoDB reads'] ?? 0)}`,
    );
    out.push(
      `    EventBridge ${f(events)} × 1M × ${p.eventBridgeEvent.what} = ${f(lines['EventBridge events'] ?? 0)}`,
    );
    out.push(
      `    Lambda (records-stream consumer) ${f(consumerInvocations)} invocations × 1M × (${p.lambdaRequest.what} + ${streamConsumerMsPerInvocation} ms × ${lambdaMemoryGb} GB × ${p.lambdaArmGbSecond.what}) = ${f(lines['Lambda (records-stream consumer)'] ?? 0)} (invocations counted as its PutEvents calls; duration assumed; stream reads free)`,
    );
    out.push(
      `    Fargate ${f(cpuMs)} ms × 1M = ${f(vcpuHours, 3)} vCPU-h × ${p.fargateVcpuHour.what} = ${f(lines['Fargate vCPU (busy time)'] ?? 0)}; ` +
        `+ ${f(vcpuHours * 2, 3)} GB-h × ${p.fargateGbHour.what} = ${f(lines['Fargate memory (2 GB per vCPU)'] ?? 0)} (busy time only: idle task-hours cost extra)`,
    );
    out.push(
      `    NAT ${f(natBytes, 0)} B × 1M = ${f((natBytes * million) / 1e9, 3)} GB × ${p.natGatewayGb.what} = ${f(lines['NAT processing'] ?? 0)}; ` +
        `internet out ≈ 60 % of SMPP bytes (${f((smppBytesPerMessage * 0.6 * million) / 1e9, 3)} GB) × ${p.internetOutGb.what} = ${f(lines['internet out (SMPP to 8x8)'] ?? 0)}`,
    );
    out.push(`    total, sent straight into SQS: ${f(totalSqsPath)} USD per million messages`);
    out.push(
      `    through the API instead, add: ${p.apiGatewayRestRequest.what} = ${f(apiLines['API Gateway REST'])}; ` +
        `${p.lambdaRequest.what} + ${lambdaMsPerRequest} ms × ${lambdaMemoryGb} GB × ${p.lambdaArmGbSecond.what} = ${f(apiLines.Lambda)}; ` +
        `its PutItem (1 WRU) + SendMessage (1 request) instead of the batched enqueue = ${f(apiLines['API DynamoDB PutItem + SQS SendMessage (replacing the batch enqueue)'])} ` +
        `→ +${f(apiExtra)} = ${f(totalSqsPath + apiExtra)} USD per million (derived from the code path, lambdas/postMessage.ts, no idempotency key` +
        `${single === undefined ? '' : `; handler CPU measured in section 4: ${f(single.perRequest.cpuMs, 3)} ms`})`,
    );
    return { region, lines: { ...lines, ...apiLines }, totalSqsPath, apiExtra };
  });
  return {
    cpuMsPerMessage: cpuMs,
    idleCpuMsPerSecond: idle,
    perSubAccountCpuMsPerSecond: perSubAccount,
    tasks,
    perMessage,
    costs,
    lines: out,
  };
}
