/**
 * The config schema refuses exactly what the worker cannot run: any sub-account config it accepts (every
 * field drawn from its whole accepted range: rates, windows, timeouts, lease periods, bind modes, TLS with a
 * CA given as PEM text or as a file) starts a real FleetWorker that binds its whole bindCap against the 8x8
 * simulator, with no unhandled rejection, and stops cleanly. (A non-integer submitsPerSecond used to pass
 * the schema and crash the worker in its lease listener.)
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFleetConfig } from '../../../core/fleetConfig.js';
import { silentLog } from '../../../core/log.js';
import { workerEnv } from '../../../core/tableKeys.js';
import { createFleetResources, type FleetResources } from '../../../local/aws/createFleetResources.js';
import { SmscSimulator } from '../../../local/smsc-simulator/SmscSimulator.js';
import { FleetWorker } from '../../../worker/FleetWorker.js';
import { readWorkerSettings } from '../../../worker/runtime/workerSettings.js';
import { pollUntil } from '../../support/poll.js';
import { useAwsEmulator } from '../aws/emulatorFixture.js';

const aws = useAwsEmulator();
const subAccount = 'prop';
const password = 'prop-pw';
let resources: FleetResources;
let sim: SmscSimulator;
let ports: { port: number; tlsPort?: number };
let caFile: string;

beforeAll(async () => {
  sim = new SmscSimulator({
    accounts: [{ systemId: subAccount, password, maxBinds: 4 }],
    tls: { port: 0 },
  });
  ports = await sim.start();
  caFile = join(mkdtempSync(join(tmpdir(), 'prop-ca-')), 'ca.pem');
  writeFileSync(caFile, sim.tlsCertificatePem ?? '');
  resources = await createFleetResources(
    { dynamodb: aws().dynamodb, sqs: aws().sqs, eventBridge: aws().eventBridge },
    parseFleetConfig({ subAccounts: [{ id: subAccount, password: { env: 'PROP_PW' } }] }),
    { prefix: 'prop', subscriber: false },
  );
}, 60_000);

afterAll(async () => {
  await sim?.stop();
});

/**
 * A sub-account config around the schema's accepted range (host, port and password fixed to the
 * simulator); what the schema refuses is skipped, so the property is about exactly what it accepts.
 */
const subAccountConfig = fc.record({
  bindMode: fc.constantFrom('transceiver', 'receiver', 'transmitter'),
  bindCap: fc.integer({ min: 1, max: 4 }),
  submitsPerSecond: fc.oneof(
    fc.integer({ min: 1, max: 1_000 }),
    fc.double({ min: 0.01, max: 1_000, noNaN: true }),
  ),
  window: fc.integer({ min: 1, max: 1_000 }),
  maxParts: fc.integer({ min: 1, max: 255 }),
  receiptIdFormat: fc.constantFrom('text', 'hex', 'decimal'),
  respIdFormat: fc.constantFrom('text', 'hex', 'decimal'),
  enquireLinkIntervalMs: fc.integer({ min: 1_000, max: 600_000 }),
  requestTimeoutMs: fc.integer({ min: 100, max: 300_000 }),
  tls: fc.constantFrom<'plain' | 'pem' | 'file'>('plain', 'pem', 'file'),
  // Guardrails (issue 15): country rules either way, opt-outs with the default or drawn keywords, velocity limits.
  guardrails: fc.record(
    {
      allowedDestinations: fc.array(fc.stringMatching(/^\+?[0-9]{1,15}$/), { minLength: 1, maxLength: 5 }),
      blockedDestinations: fc.array(fc.stringMatching(/^\+?[0-9]{1,15}$/), { minLength: 1, maxLength: 5 }),
      optOuts: fc.option(
        fc.record(
          {
            stopKeywords: fc.array(fc.string({ minLength: 1, maxLength: 30 }), {
              minLength: 1,
              maxLength: 5,
            }),
          },
          { requiredKeys: [] },
        ),
        { nil: undefined },
      ),
      velocityLimits: fc.record(
        {
          perDestinationPerHour: fc.integer({ min: 1, max: 10_000_000 }),
          perDestinationPerDay: fc.integer({ min: 1, max: 10_000_000 }),
          perSubAccountPerDay: fc.integer({ min: 1, max: 10_000_000 }),
        },
        { requiredKeys: ['perSubAccountPerDay'] },
      ),
    },
    { requiredKeys: [] },
  ),
});

const fleetFields = fc
  .record({
    leasePeriodMs: fc.integer({ min: 3_000, max: 600_000 }),
    heartbeatDivisor: fc.integer({ min: 3, max: 30 }),
    inDoubtPolicy: fc.constantFrom('at-least-once', 'at-most-once'),
    visibilityTimeoutSeconds: fc.integer({ min: 20, max: 43_200 }),
  })
  .map(({ heartbeatDivisor, ...fields }) => ({
    ...fields,
    heartbeatMs: Math.max(100, Math.floor(fields.leasePeriodMs / heartbeatDivisor)),
  }));

describe('any config the schema accepts', () => {
  it('starts a worker that binds its whole bindCap against the simulator and stops cleanly', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(subAccountConfig, fleetFields, async (account, fleet) => {
        run += 1;
        const { tls, guardrails, ...rest } = account;
        const input = {
          subAccounts: [
            {
              id: subAccount,
              host: '127.0.0.1',
              port: tls === 'plain' ? ports.port : ports.tlsPort,
              tls: tls !== 'plain',
              ...(tls === 'pem' ? { caCertificatePem: sim.tlsCertificatePem } : {}),
              ...(tls === 'file' ? { caCertificatePem: caFile } : {}),
              password: { env: 'PROP_PW' },
              ...rest,
              ...Object.fromEntries(Object.entries(guardrails).filter(([, value]) => value !== undefined)),
            },
          ],
          ...fleet,
        };
        // What the schema accepts…
        try {
          parseFleetConfig(input);
        } catch {
          fc.pre(false);
        }
        const settings = readWorkerSettings({
          ...resources.env,
          [workerEnv.fleetConfig]: JSON.stringify(input),
          [workerEnv.workerId]: `prop-${run}`,
        });
        // …so a worker runs it.
        const worker = new FleetWorker({
          settings,
          clients: {
            dynamo: aws().documentClient,
            sqs: aws().sqs,
            secretsManager: aws().secretsManager,
          },
          env: { PROP_PW: password },
          logger: silentLog,
        });
        const boundBefore = sim.stats().accounts[subAccount]?.binds.accepted ?? 0;
        worker.start();
        try {
          await pollUntil(
            `${account.bindCap} binds of ${JSON.stringify(input)}`,
            () => (sim.stats().accounts[subAccount]?.binds.accepted ?? 0) >= boundBefore + account.bindCap,
            { timeoutMs: 30_000, intervalMs: 50 },
          );
        } finally {
          await worker.stop();
        }
        expect(sim.stats().accounts[subAccount]?.binds.current).toBe(0);
      }),
      { numRuns: 12, maxSkipsPerRun: 100 },
    );
  }, 600_000);
});
