/**
 * Calibration for section 3: the client CPU of one AWS SDK v3 call (a DynamoDB UpdateItem through the
 * document client, as the worker makes them) against a trivial HTTP endpoint in another process, measured
 * in the same run and under the same machine load as the pipeline. Twice: with keep-alive (as against
 * AWS), and with the server closing every connection (as moto's server does here: it answers
 * `Connection: close`, so each of the worker's calls opens a new TCP connection). The ratio of the two is
 * how much the emulator's connection handling inflates the worker's CPU per call.
 *
 * And a third time against the emulator itself (moto's DynamoDB, a fresh process, the same call on items
 * written beforehand so its condition holds): moto answers in milliseconds rather than microseconds and
 * with more headers, and a client spends more CPU on a call that waits (its events no longer arrive
 * together; a 10 ms wait alone added about a third here). That is the price of one of the worker's calls
 * in section 3, and the trivial endpoint's is not.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { startEmulatorFixture } from '../test/support/startEmulatorFixture.js';

export interface SdkCallCost {
  keepAliveCpuMsPerCall: number;
  connectionCloseCpuMsPerCall: number;
  calls: number;
  /** The same call against moto's DynamoDB, with `emulatorCalls` calls. */
  emulatorCpuMsPerCall: number;
  /** How long moto took to answer one, mean, ms (8 calls in flight). */
  emulatorLatencyMs: number;
  emulatorCalls: number;
}

const serverSource = `
const http = require('node:http');
const close = process.argv[1] === 'close';
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.setHeader('content-type', 'application/x-amz-json-1.0');
    if (close) res.shouldKeepAlive = false;
    res.end('{"Attributes":{"status":{"S":"submitted"},"version":{"N":"3"}}}');
  });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
`;

async function startServer(mode: 'keep-alive' | 'close'): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['-e', serverSource, mode], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', (code) => reject(new Error(`the calibration server exited (${code})`)));
  });
  return { child, port };
}

const tableName = 'bench-messages';

/** The worker's kind of call: a conditional update of a message record, returning it. */
const updateCommand = (i: number) =>
  new UpdateCommand({
    TableName: tableName,
    Key: { pk: `MSG#${i}`, sk: 'RECORD' },
    UpdateExpression: 'SET #status = :status, #version = #version + :one, #updatedAt = :now',
    ConditionExpression: '#version = :version',
    ExpressionAttributeNames: { '#status': 'status', '#version': 'version', '#updatedAt': 'updatedAt' },
    ExpressionAttributeValues: { ':status': 'submitted', ':one': 1, ':version': 2, ':now': Date.now() },
    ReturnValues: 'ALL_NEW',
  });

function documentClient(endpoint: string): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    }),
  );
}

/** Warm-up calls, then `calls` calls, 8 in flight: CPU ms per call and mean ms per call. */
async function measure(
  client: DynamoDBDocumentClient,
  warmupCalls: number,
  calls: number,
): Promise<{ cpuMsPerCall: number; latencyMs: number }> {
  let next = 0;
  const run = async (until: number) => {
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < until) await client.send(updateCommand(next++));
      }),
    );
  };
  await run(warmupCalls);
  const start = process.cpuUsage();
  const started = performance.now();
  await run(warmupCalls + calls);
  const used = process.cpuUsage(start);
  return {
    cpuMsPerCall: (used.user + used.system) / 1000 / calls,
    latencyMs: ((performance.now() - started) * 8) / calls,
  };
}

async function cpuPerCall(mode: 'keep-alive' | 'close', calls: number): Promise<number> {
  const { child, port } = await startServer(mode);
  const client = documentClient(`http://127.0.0.1:${port}`);
  try {
    return (await measure(client, Math.max(200, calls / 5), calls)).cpuMsPerCall;
  } finally {
    client.destroy();
    child.stdin?.end();
    child.kill();
  }
}

/** Against a fresh moto, on items at version 2 written beforehand (BatchWriteItem, not measured). */
async function emulatorCpuPerCall(calls: number): Promise<{ cpuMsPerCall: number; latencyMs: number }> {
  const fixture = await startEmulatorFixture();
  const client = documentClient(fixture.emulator.endpoint);
  try {
    await fixture.dynamodb.send(
      new CreateTableCommand({
        TableName: tableName,
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const warmupCalls = Math.max(100, calls / 5);
    for (let start = 0; start < warmupCalls + calls; start += 25) {
      const keys = Array.from({ length: Math.min(25, warmupCalls + calls - start) }, (_, i) => start + i);
      await fixture.documentClient.send(
        new BatchWriteCommand({
          RequestItems: {
            [tableName]: keys.map((i) => ({
              PutRequest: { Item: { pk: `MSG#${i}`, sk: 'RECORD', status: 'submitting', version: 2 } },
            })),
          },
        }),
      );
    }
    return await measure(client, warmupCalls, calls);
  } finally {
    client.destroy();
    await fixture.stop();
  }
}

export async function sdkCallCost(calls: number): Promise<SdkCallCost> {
  const keepAliveCpuMsPerCall = await cpuPerCall('keep-alive', calls);
  const connectionCloseCpuMsPerCall = await cpuPerCall('close', calls);
  // A quarter as many: moto serves a few hundred of these a second.
  const emulatorCalls = Math.max(100, Math.round(calls / 4));
  const emulator = await emulatorCpuPerCall(emulatorCalls);
  return {
    keepAliveCpuMsPerCall,
    connectionCloseCpuMsPerCall,
    calls,
    emulatorCpuMsPerCall: emulator.cpuMsPerCall,
    emulatorLatencyMs: emulator.latencyMs,
    emulatorCalls,
  };
}
