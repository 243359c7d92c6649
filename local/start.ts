/**
 * `npm start`: runs the fleet's local parts on one machine. Today that is the 8x8 simulator with a demo
 * bind that sends one message and prints its receipt; the AWS emulator, the API and the workers join it
 * as they land (issue 6).
 */

import { destinationAddressOf, sourceAddressOf } from '../worker/encoding/addresses.js';
import { segmentText } from '../worker/encoding/segmentText.js';
import { classifyDeliverSm } from '../worker/receipts/classifyDeliverSm.js';
import { SmppBind } from '../worker/smpp/SmppBind.js';
import { SmscSimulator } from './smsc-simulator/SmscSimulator.js';

const smscPort = Number(process.env.SMSC_PORT ?? 2775);

async function main(): Promise<void> {
  const simulator = new SmscSimulator({
    accounts: [{ systemId: 'demo', password: 'demo1234' }],
    port: smscPort,
    tls: { port: smscPort + 1 },
  });
  const { port, tlsPort } = await simulator.start();
  console.log(`8x8 simulator listening: plain 127.0.0.1:${port}, TLS 127.0.0.1:${tlsPort} (system_id demo)`);

  const bind = new SmppBind({
    name: 'demo#0',
    endpoint: { host: '127.0.0.1', port, tls: false },
    credentials: { systemId: 'demo', password: 'demo1234' },
    bindMode: 'transceiver',
    onDeliverSm: async (deliverSm) => {
      const event = classifyDeliverSm(deliverSm, { receiptIdFormat: 'text' });
      if (event.kind === 'receipt')
        console.log(`receipt: ${event.receipt.smscMessageId} → ${event.receipt.state}`);
      else console.log(`deliver_sm: ${event.kind}`);
      return 0;
    },
  });
  bind.on('status', (change) => console.log(`bind ${change.from} -> ${change.to} (${change.reason})`));
  const bound = new Promise<void>((resolve) =>
    bind.on('status', (change) => {
      if (change.to === 'bound') resolve();
    }),
  );
  bind.start();
  await bound;

  const from = sourceAddressOf('DEMO');
  const to = destinationAddressOf('+6591234567');
  const text = segmentText('Hello from smpp-fleet 👋', { maxParts: 10, concatReference: 1 });
  for (const part of text.parts) {
    const outcome = await bind.submit({
      sourceAddr: from.addr,
      sourceAddrTon: from.ton,
      sourceAddrNpi: from.npi,
      destinationAddr: to.addr,
      destAddrTon: to.ton,
      destAddrNpi: to.npi,
      esmClass: part.esmClass,
      dataCoding: part.dataCoding,
      shortMessage: part.shortMessage,
      registeredDelivery: 1,
    });
    console.log(`submitted part ${part.partNumber}/${part.totalParts}:`, outcome);
  }
  console.log('Ctrl-C stops everything.');

  const stop = async () => {
    await bind.stop();
    await simulator.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
