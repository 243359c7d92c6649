/** The request signer for a chosen auth: none, an API key header, or SigV4 (`npm run send`, the status proxy). */
import type { RequestSigner } from './SendApiClient.js';
import type { SendAuth } from './sendArgs.js';
import { createSigV4Signer } from './sigV4Signer.js';

export function signerFor(auth: SendAuth): RequestSigner | undefined {
  switch (auth.kind) {
    case 'none':
      return undefined;
    case 'api-key':
      return async (request) => ({ ...request.headers, 'x-api-key': auth.apiKey });
    case 'sigv4':
      return createSigV4Signer({ region: auth.region });
  }
}
