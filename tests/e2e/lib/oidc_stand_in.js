// A local OpenID provider for the OAuth tests: an HTTP server on a free port whose issuer URL
// is known before the `oidc-provider` instance exists (that needs Basalt's callback URL, and
// Basalt needs the issuer), answering 503 until use() hands it the provider.
import crypto from 'node:crypto';
import http from 'node:http';

export async function oidcStandIn() {
  let provider;
  const server = http.createServer((req, res) => {
    if (!provider) {
      res.writeHead(503).end();
      return;
    }
    provider.callback()(req, res);
  });
  const port = await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
  return {
    issuer: `http://127.0.0.1:${port}`,
    use(p) {
      provider = p;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

// An RSA signing key for the provider: the private key and its JWK (RS256, `kid`).
export function signingKey(kid) {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, jwk: { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
}
