import { describe, expect, it } from 'vitest';
import type { MessageRecord } from '../../../core/messageRecord.js';
import {
  defaultValidityPeriodSeconds,
  expiredBeforeSubmitRecord,
  isExpiredBeforeSubmit,
  validUntilOf,
} from '../../../worker/sending/expiry.js';

const acceptedAt = Date.UTC(2026, 11, 2, 12, 0, 0);

function record(overrides: Partial<MessageRecord> = {}): MessageRecord {
  return {
    messageId: 'm1',
    subAccount: 'acme',
    status: 'submitting',
    parts: [
      { partNumber: 1, status: 'submitting' },
      { partNumber: 2, status: 'submitting' },
    ],
    createdAt: acceptedAt,
    updatedAt: acceptedAt,
    version: 1,
    validityPeriod: 600,
    claimExpiresAtMs: acceptedAt + 60_000,
    ...overrides,
  };
}

describe('validUntilOf', () => {
  it('counts the validity period from acceptance', () => {
    expect(validUntilOf(record())).toBe(acceptedAt + 600_000);
  });

  it('uses 48 h when the request gave no validity period', () => {
    expect(defaultValidityPeriodSeconds).toBe(172_800);
    expect(validUntilOf(record({ validityPeriod: undefined }))).toBe(acceptedAt + 172_800_000);
  });

  it('refuses a validity period the request schema would not allow, naming it', () => {
    expect(() => validUntilOf(record({ validityPeriod: 5 }))).toThrow(/validityPeriod .* got 5/);
  });
});

describe('isExpiredBeforeSubmit', () => {
  const validUntil = acceptedAt + 600_000;

  it('gives up a message nothing of which was sent once its validity has run out, and not a moment before', () => {
    expect(isExpiredBeforeSubmit(record(), false, validUntil - 1)).toBe(false);
    expect(isExpiredBeforeSubmit(record(), false, validUntil)).toBe(true);
  });

  it('finishes a message a part of which 8x8 already took, however late', () => {
    const parts = [
      { partNumber: 1, status: 'submitted' as const, smscMessageId: 'x1' },
      { partNumber: 2, status: 'submitting' as const },
    ];
    expect(isExpiredBeforeSubmit(record({ parts }), false, validUntil + 3_600_000)).toBe(false);
  });

  it('finishes a message that may have been sent: a part in doubt, or a previous attempt died holding it', () => {
    const parts = [{ partNumber: 1, status: 'submitting' as const, inDoubt: true }];
    expect(isExpiredBeforeSubmit(record({ parts }), false, validUntil + 1)).toBe(false);
    expect(isExpiredBeforeSubmit(record(), true, validUntil + 1)).toBe(false);
  });
});

describe('expiredBeforeSubmitRecord', () => {
  it('ends the message and every part expired, with its reason, and releases the claim', () => {
    const now = acceptedAt + 700_000;
    const expired = expiredBeforeSubmitRecord(record(), now);
    expect(expired).toMatchObject({
      status: 'expired',
      reason: 'expired-before-submit',
      errorCode: 'EXPIRED_BEFORE_SUBMIT',
      finalAt: now,
      claimExpiresAtMs: 0,
    });
    expect(expired.parts.map((part) => part.status)).toEqual(['expired', 'expired']);
    expect(expired.errorDescription).toContain('2026-12-02T12:10:00.000Z');
    expect(expired.errorDescription).toContain('100 s later');
  });
});
