/** The stack with `-c apiAuthorization=api-key`: keys and a usage plan instead of IAM, still nag-clean. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CfnTemplate,
  findings,
  resourcesOfType,
  type SynthesisedFleet,
  synthFleet,
} from './synthFleet.js';

describe('api-key mode', () => {
  let synth: SynthesisedFleet;
  beforeAll(() => {
    synth = synthFleet({ context: { apiAuthorization: 'api-key', apiKeyQuotaPerDay: 5000 } });
  });
  afterAll(() => synth.cleanup());

  it('requires an API key on every method, tied to a throttled usage plan with a quota', () => {
    expect(synth.error).toBeUndefined();
    const template = synth.templateJson as CfnTemplate;
    const methods = resourcesOfType(template, 'AWS::ApiGateway::Method');
    expect(methods.length).toBeGreaterThan(0);
    for (const [id, method] of methods) {
      expect(method.Properties?.ApiKeyRequired, id).toBe(true);
    }
    synth.template?.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 100, BurstLimit: 200 },
      Quota: { Limit: 5000, Period: 'DAY' },
    });
    synth.template?.resourceCountIs('AWS::ApiGateway::UsagePlanKey', 1);
    expect(template.Outputs?.ApiKeyId).toBeDefined();
  });

  it('still leaves no cdk-nag finding unacknowledged', () => {
    expect(findings(synth.report)).toEqual([]);
  });
});
