/** cdk-nag really runs on this app: a careless resource added to the stack fails synth. */
import type { Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { findings, synthFleet } from './synthFleet.js';

describe('cdk-nag', () => {
  it('fails synth on an unacknowledged finding (it runs on this app)', () => {
    const synth = synthFleet({
      beforeSynth: ({ stack }) => {
        new sqs.Queue(stack as Stack, 'CarelessQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED });
      },
    });
    try {
      expect(synth.error?.message).toMatch(/AwsSolutions-SQS4/);
      expect(findings(synth.report)).toContain('AwsSolutions-SQS4 at SmppFleet/CarelessQueue/Resource');
    } finally {
      synth.cleanup();
    }
  });
});
