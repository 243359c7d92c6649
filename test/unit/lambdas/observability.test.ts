import { describe, expect, it } from 'vitest';
import { createApiLogger, createApiMetrics } from '../../../lambdas/shared/observability.js';
import { captureStdout } from '../../support/captureStdout.js';

describe('the Logger and Metrics the handlers use', () => {
  it('log JSON lines with the phone numbers masked when MASK_PHONE_NUMBERS is on', () => {
    const masked = createApiLogger({ logLevel: 'INFO', maskPhoneNumbers: true, metricsDisabled: true });
    const plain = createApiLogger({ logLevel: 'INFO', maskPhoneNumbers: false, metricsDisabled: true });
    const [maskedLine] = captureStdout(() => masked.info({ message: 'sent', to: '+6591234567' }));
    const [plainLine] = captureStdout(() => plain.info({ message: 'sent', to: '+6591234567' }));
    expect(JSON.parse(maskedLine ?? '')).toMatchObject({
      message: 'sent',
      to: '+******4567',
      service: 'smpp-fleet-api',
    });
    expect(JSON.parse(plainLine ?? '')).toMatchObject({ to: '+6591234567' });
  });

  it('publish counts as CloudWatch EMF in the SmppFleet namespace, and nothing when there is nothing', () => {
    const metrics = createApiMetrics({ logLevel: 'INFO', maskPhoneNumbers: false, metricsDisabled: false });
    expect(captureStdout(() => metrics.flush())).toEqual([]);
    const [line] = captureStdout(() => {
      metrics.count('MessagesAccepted', 3);
      metrics.count('MessagesRejected', 0);
      metrics.flush();
    });
    const emf = JSON.parse(line ?? '');
    expect(emf._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'SmppFleet',
      Metrics: [{ Name: 'MessagesAccepted', Unit: 'Count' }],
    });
    expect(emf.MessagesAccepted).toBe(3);
    expect(emf).not.toHaveProperty('MessagesRejected');
  });
});
