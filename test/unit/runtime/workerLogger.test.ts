import { describe, expect, it } from 'vitest';
import { createWorkerLogger } from '../../../worker/runtime/workerLogger.js';
import { captureStdout } from '../../support/captureStdout.js';

describe('the worker’s logger', () => {
  it('masks phone numbers while MASK_PHONE_NUMBERS is on, in attributes and in error text', () => {
    let mask = true;
    const logger = createWorkerLogger({ logLevel: 'INFO', maskPhoneNumbers: () => mask });
    const line = () =>
      JSON.parse(
        captureStdout(() =>
          logger.info('receipt for a message whose record is gone', {
            sourceAddr: '6598765432',
            to: '+6591234567',
            error: 'Invalid destination address "+6591234567"',
            messageId: 'm-1',
          }),
        )[0] ?? '',
      );
    expect(line()).toMatchObject({
      sourceAddr: '******5432',
      to: '+******4567',
      error: 'Invalid destination address "+******4567"',
      messageId: 'm-1',
      service: 'smpp-fleet-worker',
    });
    mask = false;
    expect(line()).toMatchObject({ sourceAddr: '6598765432', to: '+6591234567' });
  });
});
