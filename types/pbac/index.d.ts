// Narrow declarations for the parts of `pbac` 0.3.2 the IAM contract test uses (the package ships none
// and @types/pbac does not exist): test/support/iamContract.ts.
declare module 'pbac' {
  export interface EvaluateParams {
    action: string;
    resource: string;
    /** Nested: `{ aws: { SecureTransport: 'true' } }` is the key `aws:SecureTransport`. */
    context?: Record<string, unknown>;
  }

  // biome-ignore lint/style/noDefaultExport: the package's module.exports is this class, which Node's ESM import gives as the default
  export default class PBAC {
    constructor(
      policies: unknown,
      options?: {
        validateSchema?: boolean;
        validatePolicies?: boolean;
        conditions?: Record<string, unknown>;
      },
    );
    evaluate(params: EvaluateParams): boolean;
  }
}
