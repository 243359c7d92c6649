/**
 * SigV4 for the deployed API's IAM auth (service `execute-api`), with credentials from the AWS SDK's
 * default chain (env, shared config and SSO, container and instance roles). The only file here that imports
 * AWS packages.
 */
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { OutgoingRequest, RequestSigner } from './SendApiClient.js';

export interface SigV4SignerOptions {
  region: string;
  /** @default the default credential chain */
  credentials?: ConstructorParameters<typeof SignatureV4>[0]['credentials'];
}

export function createSigV4Signer(options: SigV4SignerOptions): RequestSigner {
  const signer = new SignatureV4({
    service: 'execute-api',
    region: options.region,
    credentials: options.credentials ?? defaultProvider(),
    sha256: Hash.bind(null, 'sha256'),
  });
  return async (request: OutgoingRequest) => {
    const { url } = request;
    const signed = await signer.sign({
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === '' ? {} : { port: Number(url.port) }),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      // host is signed, so it must be the one fetch sends: the URL's host, with the port when not default.
      headers: { ...request.headers, host: url.host },
      ...(request.body === undefined ? {} : { body: request.body }),
    });
    // fetch sets Host itself (and refuses to be told), from the same URL.
    const { host: _host, ...headers } = signed.headers;
    return headers;
  };
}
