/** Builds SmppBinds aimed at a running simulator, with short timers so failures show up quickly. */
import { SmppBind, type SmppBindOptions } from '../../../worker/smpp/SmppBind.js';
import type { SubmitSmRequest } from '../../../worker/smpp/types.js';
import { nextEvent } from '../../support/waitFor.js';

export const systemId = 'acme-otp';
export const password = 'secret12';

export function bindTo(port: number, overrides: Partial<SmppBindOptions> = {}): SmppBind {
  return new SmppBind({
    name: `${systemId}#test`,
    endpoint: { host: '127.0.0.1', port, tls: false },
    credentials: { systemId, password },
    bindMode: 'transceiver',
    reconnectInitialMs: 50,
    reconnectMaxMs: 500,
    requestTimeoutMs: 2000,
    drainTimeoutMs: 2000,
    ...overrides,
  });
}

/** Starts the bind and resolves once it is bound (or fails after the wait limit). */
export async function startBound(bind: SmppBind, timeoutMs = 5000): Promise<SmppBind> {
  const bound = nextEvent<{ to: string }>(bind, 'status', (change) => change.to === 'bound', timeoutMs);
  bind.start();
  await bound;
  return bind;
}

export function textPart(destination: string, text: string): SubmitSmRequest {
  return {
    sourceAddr: 'ACME',
    sourceAddrTon: 5,
    sourceAddrNpi: 0,
    destinationAddr: destination,
    destAddrTon: 1,
    destAddrNpi: 1,
    esmClass: 0,
    dataCoding: 0,
    shortMessage: Buffer.from(text, 'latin1'),
    registeredDelivery: 1,
  };
}
