import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { describe, it } from 'vitest';
import { startTestCollector } from '../../../test/support/collector.js';

/**
 * DEVTRUST_PORT=0 picks a free port. The public URL (the OIDC issuer, the origin agents accept)
 * is then http://HOST:PORT with that port, unless DEVTRUST_PUBLIC_URL names one: behind a proxy
 * the URL people use is the proxy's, whatever port the collector got.
 */
describe('the public URL of a collector on port 0', () => {
  const issuerOf = async (url: string) =>
    ((await (await fetch(`${url}/.well-known/openid-configuration`)).json()) as { issuer: string }).issuer;

  it('is the one DEVTRUST_PUBLIC_URL names', async () => {
    const c = await startTestCollector({ env: { DEVTRUST_PUBLIC_URL: 'https://devtrust.example.com' } });
    try {
      assert.equal(await issuerOf(c.url), 'https://devtrust.example.com');
    } finally {
      await c.stop();
    }
  });

  it("names the provider's endpoints after it, whatever Host a request names", async () => {
    const c = await startTestCollector({ env: { DEVTRUST_PUBLIC_URL: 'https://devtrust.example.com:8443' } });
    try {
      const port = Number(new URL(c.url).port);
      // Node's fetch will not send a Host of the caller's choosing: a raw request does.
      const body = await new Promise<string>((resolve, reject) => {
        const req = http.get(
          { host: '127.0.0.1', port, path: '/.well-known/openid-configuration', headers: { host: 'evil.example' } },
          (res) => {
            let text = '';
            res.on('data', (chunk) => (text += chunk));
            res.on('end', () => resolve(text));
          },
        );
        req.on('error', reject);
      });
      const discovery = JSON.parse(body) as Record<string, string>;
      for (const name of ['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri', 'userinfo_endpoint'])
        assert.ok(discovery[name]?.startsWith('https://devtrust.example.com:8443'), `${name}: ${discovery[name]}`);
    } finally {
      await c.stop();
    }
  });

  it('answers a request target in absolute form with the same endpoints, not a 500', async () => {
    const c = await startTestCollector({ env: { DEVTRUST_PUBLIC_URL: 'https://devtrust.example.com:8443' } });
    try {
      const port = Number(new URL(c.url).port);
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1', () =>
          socket.write(
            'GET http://evil.example/.well-known/openid-configuration HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n',
          ),
        );
        let text = '';
        socket.on('data', (chunk) => (text += chunk));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      assert.match(answer, /^HTTP\/1\.1 200 /);
      const discovery = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as Record<string, string>;
      assert.equal(discovery.issuer, 'https://devtrust.example.com:8443');
      for (const name of ['authorization_endpoint', 'token_endpoint'])
        assert.ok(discovery[name]?.startsWith('https://devtrust.example.com:8443/oidc/'), `${name}: ${discovery[name]}`);
    } finally {
      await c.stop();
    }
  });

  it('is where it listens when DEVTRUST_PUBLIC_URL is unset', async () => {
    const c = await startTestCollector();
    try {
      assert.match(c.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.notEqual(new URL(c.url).port, '0');
      assert.equal(await issuerOf(c.url), c.url);
    } finally {
      await c.stop();
    }
  });
});
