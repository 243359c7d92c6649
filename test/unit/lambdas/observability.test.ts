import { describe, expect, it } from 'vitest';
import {
  createApiLogger,
  createApiMetrics,
  maskPhoneNumber,
  maskPhoneNumbersReplacer,
} from '../../../lambdas/shared/observability.js';

describe('maskPhoneNumber', () => {
  it('keeps the + and the last four digits', () => {
    expect(maskPhoneNumber('+6591234567')).toBe('+******4567');
    expect(maskPhoneNumber('91234567')).toBe('****4567');
    expect(maskPhoneNumber('123')).toBe('123');
  });
});

describe('maskPhoneNumbersReplacer', () => {
  const logged = (value: unknown) => JSON.parse(JSON.stringify(value, maskPhoneNumbersReplacer));

  it('masks numbers under phone keys and any E.164 string, wherever they sit', () => {
    expect(
      logged({
        to: '+6591234567',
        from: '12345678',
        nested: { list: ['+4915112345678'] },
        from2: 'ACME',
        note: 'ok',
      }),
    ).toEqual({
      to: '+******4567',
      from: '****5678',
      nested: { list: ['+*********5678'] },
      from2: 'ACME',
      note: 'ok',
    });
  });

  it('leaves alphanumeric senders, ids and numbers alone', () => {
    expect(logged({ from: 'ACME', messageId: '3f1c0b6e-8d5a', parts: 3, statusCode: 202 })).toEqual({
      from: 'ACME',
      messageId: '3f1c0b6e-8d5a',
      parts: 3,
      statusCode: 202,
    });
  });
});

describe('the Logger and Metrics the handlers use', () => {
  function captureStdout(run: () => void): string[] {
    const lines: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      run();
    } finally {
      process.stdout.write = write;
    }
    return lines
      .join('')
      .split('\n')
      .filter((line) => line.trim() !== '');
  }

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
