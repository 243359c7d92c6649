/**
 * Calibration for section 3: the client CPU of one AWS SDK v3 call (a DynamoDB UpdateItem through the
 * document client, as the worker makes them) against a trivial HTTP endpoint in another process, measured
 * in the same run and under the same machine load as the pipeline. Twice: with keep-alive (as against
 * AWS), and with the server closing every connection (as moto's server does here: it answers
 * `Connection: close`, so each of the worker's calls opens a new TCP connection). The ratio of the two is
 * how much the emulator inflates the worker's CPU per call.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';

export interface SdkCallCost {
  keepAliveCpuMsPerCall: number;
  connectionCloseCpuMsPerCall: number;
  calls: number;
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

async function cpuPerCall(mode: 'keep-alive' | 'close', calls: number): Promise<number> {
  const { child, port } = await startServer(mode);
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    }),
  );
  const call = (i: number) =>
    client.send(
      new UpdateCommand({
        TableName: 'bench-messages',
        Key: { pk: `MSG#${i}`, sk: 'RECORD' },
        UpdateExpression: 'SET #status = :status, #version = #version + :one, #updatedAt = :now',
        ConditionExpression: '#version = :version',
        ExpressionAttributeNames: { '#status': 'status', '#version': 'version', '#updatedAt': 'updatedAt' },
        ExpressionAttributeValues: { ':status': 'submitted', ':one': 1, ':version': 2, ':now': Date.now() },
        ReturnValues: 'ALL_NEW',
      }),
    );
  const run = async (count: number) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < count) await call(next++);
      }),
    );
  };
  try {
    await run(Math.max(200, calls / 5));
    const start = process.cpuUsage();
    await run(calls);
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000 / calls;
  } finally {
    client.destroy();
    child.stdin?.end();
    child.kill();
  }
}

export async function sdkCallCost(calls: number): Promise<SdkCallCost> {
  return {
    keepAliveCpuMsPerCall: await cpuPerCall('keep-alive', calls),
    connectionCloseCpuMsPerCall: await cpuPerCall('close', calls),
    calls,
  };
}
