/**
 * AWS list prices (USD, on-demand, no free tier, no Savings Plans) used by section 6 of `npm run bench`.
 *
 * Compiled 2026-11-25 for two regions: us-east-1 (N. Virginia, the usual reference) and ap-southeast-1
 * (Singapore, next to 8x8's default SMSC). Sources: the AWS pricing pages of each service
 * (aws.amazon.com/<service>/pricing); the us-east-1 Fargate figures were cross-checked against a
 * third-party summary of those pages (vantage.sh, "AWS Fargate Pricing Explained"). The ap-southeast-1
 * figures were NOT re-checked against the live pages on that day: they are the last known list prices, and
 * DynamoDB's are the pre-November-2024 Singapore list prices halved by that month's 50 % on-demand cut.
 * Check every figure against the pricing page before quoting a cost to anyone; AWS changes them.
 *
 * Only this file holds prices: the arithmetic in bench/scale.ts names each one by its key.
 */

export type PriceRegion = 'us-east-1' | 'ap-southeast-1';

export interface Price {
  /** USD per `unit`. */
  usd: number;
  unit: string;
  what: string;
}

export interface RegionPrices {
  /** SQS standard queue, per request (each 64 KB chunk of a payload is one request; a batch call is one). */
  sqsRequest: Price;
  /** DynamoDB on-demand, Standard table class: a write request unit (1 KB; transactional = 2). */
  dynamoWriteUnit: Price;
  /** DynamoDB on-demand, Standard table class: a read request unit (4 KB strongly consistent). */
  dynamoReadUnit: Price;
  /** EventBridge custom events put on a bus (each 64 KB chunk of an entry is one event). */
  eventBridgeEvent: Price;
  /** Fargate Linux/ARM64 (the worker's default architecture, infra/deploymentOptions.ts). */
  fargateVcpuHour: Price;
  fargateGbHour: Price;
  /** NAT gateway: every GB through it, either direction (SQS, EventBridge and SMPP traffic; DynamoDB goes
   * through the VPC's free gateway endpoint, infra/constructs/Network.ts). */
  natGatewayGb: Price;
  natGatewayHour: Price;
  /** Data transfer out to the internet (to 8x8), first 10 TB tier. */
  internetOutGb: Price;
  /** API Gateway REST API (the stack's kind, infra/constructs/Api.ts), first 333 million a month. */
  apiGatewayRestRequest: Price;
  lambdaRequest: Price;
  /** Lambda arm64 duration (the stack's functions are arm64, infra/constructs/FleetFunction.ts). */
  lambdaArmGbSecond: Price;
}

const perMillion = (usd: number, what: string, unit = 'request'): Price => ({ usd: usd / 1e6, unit, what });

export const prices: Record<PriceRegion, RegionPrices> = {
  'us-east-1': {
    sqsRequest: perMillion(0.4, 'SQS standard, $0.40 per million requests'),
    dynamoWriteUnit: perMillion(0.625, 'DynamoDB on-demand, $0.625 per million write request units', 'WRU'),
    dynamoReadUnit: perMillion(0.125, 'DynamoDB on-demand, $0.125 per million read request units', 'RRU'),
    eventBridgeEvent: perMillion(1.0, 'EventBridge custom events, $1.00 per million', 'event'),
    fargateVcpuHour: { usd: 0.03238, unit: 'vCPU-hour', what: 'Fargate Linux/ARM, $0.03238 per vCPU-hour' },
    fargateGbHour: { usd: 0.00356, unit: 'GB-hour', what: 'Fargate Linux/ARM, $0.00356 per GB-hour' },
    natGatewayGb: { usd: 0.045, unit: 'GB', what: 'NAT gateway data processed, $0.045 per GB' },
    natGatewayHour: { usd: 0.045, unit: 'hour', what: 'NAT gateway, $0.045 per hour each' },
    internetOutGb: { usd: 0.09, unit: 'GB', what: 'data transfer out to the internet, $0.09 per GB' },
    apiGatewayRestRequest: perMillion(3.5, 'API Gateway REST, $3.50 per million requests'),
    lambdaRequest: perMillion(0.2, 'Lambda, $0.20 per million requests'),
    lambdaArmGbSecond: {
      usd: 0.0000133334,
      unit: 'GB-second',
      what: 'Lambda arm64, $0.0000133334 per GB-second',
    },
  },
  'ap-southeast-1': {
    sqsRequest: perMillion(0.4, 'SQS standard, $0.40 per million requests'),
    dynamoWriteUnit: perMillion(0.7116, 'DynamoDB on-demand, $0.7116 per million write request units', 'WRU'),
    dynamoReadUnit: perMillion(0.1425, 'DynamoDB on-demand, $0.1425 per million read request units', 'RRU'),
    eventBridgeEvent: perMillion(1.0, 'EventBridge custom events, $1.00 per million', 'event'),
    fargateVcpuHour: { usd: 0.04045, unit: 'vCPU-hour', what: 'Fargate Linux/ARM, $0.04045 per vCPU-hour' },
    fargateGbHour: { usd: 0.00442, unit: 'GB-hour', what: 'Fargate Linux/ARM, $0.00442 per GB-hour' },
    natGatewayGb: { usd: 0.059, unit: 'GB', what: 'NAT gateway data processed, $0.059 per GB' },
    natGatewayHour: { usd: 0.059, unit: 'hour', what: 'NAT gateway, $0.059 per hour each' },
    internetOutGb: { usd: 0.12, unit: 'GB', what: 'data transfer out to the internet, $0.12 per GB' },
    apiGatewayRestRequest: perMillion(4.25, 'API Gateway REST, $4.25 per million requests'),
    lambdaRequest: perMillion(0.2, 'Lambda, $0.20 per million requests'),
    lambdaArmGbSecond: {
      usd: 0.0000133334,
      unit: 'GB-second',
      what: 'Lambda arm64, $0.0000133334 per GB-second',
    },
  },
};
