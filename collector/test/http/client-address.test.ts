import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { clientAddress } from '@devtrust/collector/http/client-address';

/** What the agent channel counts per address: the socket's peer, or behind a trusted proxy the address it appended. */
describe('clientAddress', () => {
  let server: http.Server;
  let seen: { trusted: string; untrusted: string }[] = [];
  let port: number;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push({ trusted: clientAddress(req, true), untrusted: clientAddress(req, false) });
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const from = async (forwardedFor: string | undefined) => {
    seen = [];
    await new Promise<void>((resolve, reject) =>
      http
        .get({ host: '127.0.0.1', port, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } }, (res) =>
          res.resume().on('end', resolve),
        )
        .on('error', reject),
    );
    return seen[0];
  };

  it('takes the last X-Forwarded-For entry only behind a trusted proxy', async () => {
    assert.deepEqual(await from('198.51.100.1, 192.0.2.7'), { trusted: '192.0.2.7', untrusted: '127.0.0.1' });
    assert.deepEqual(await from('2001:db8::1'), { trusted: '2001:db8::1', untrusted: '127.0.0.1' });
    assert.deepEqual(await from(undefined), { trusted: '127.0.0.1', untrusted: '127.0.0.1' });
    assert.deepEqual(await from('192.0.2.7, '), { trusted: '127.0.0.1', untrusted: '127.0.0.1' });
  });

  it('takes the peer when the last entry is not an address', async () => {
    assert.equal((await from(`1.2.3.4, ${'x'.repeat(15_000)}`))?.trusted, '127.0.0.1');
    assert.equal((await from('unknown'))?.trusted, '127.0.0.1');
  });

  // `isIP` takes an IPv6 zone and any text after its `%` (review r6): no proxy appends one.
  it('refuses an IPv6 zone, whatever follows it', async () => {
    assert.equal((await from(`10.0.0.1, fe80::1%${'a'.repeat(5_000)}`))?.trusted, '127.0.0.1');
    assert.equal((await from('fe80::1%DROP-TABLE.x:y'))?.trusted, '127.0.0.1');
    assert.equal((await from('fe80::1%eth0'))?.trusted, '127.0.0.1');
  });

  it('writes one address one way: IPv4-mapped IPv6 as IPv4, IPv6 in lower case', async () => {
    assert.equal((await from('::ffff:192.0.2.7'))?.trusted, '192.0.2.7');
    assert.equal((await from('::FFFF:192.0.2.7'))?.trusted, '192.0.2.7');
    assert.equal((await from('2001:DB8::1'))?.trusted, '2001:db8::1');
  });
});
