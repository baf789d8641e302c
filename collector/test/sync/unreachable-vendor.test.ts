import assert from 'node:assert/strict';
import { lookup } from 'node:dns/promises';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startTestCollector, type TestCollector } from '../../../test/support/collector.js';
import { selfSignedCertificate } from '../../../test/support/tls.js';
import { faultRetry } from '@devtrust/collector/sync/kit/network-fault';
import { DEFAULT_RETRY, overrideVendorClientForTests } from '@devtrust/collector/sync/kit/vendor-client';
import { FAST_RETRY, syncAndWait } from './mdm/harness.js';

/**
 * A Jamf Pro integration at a host that does not exist: "Test Configuration" took 27 s and a
 * sync 25 s to say "host not found", trying the same lookup five times with backoff. A name
 * the DNS says does not exist, or a certificate this collector does not trust, cannot heal in
 * seconds: one attempt. Attempts are counted at the vendor fetch (real fetch, real DNS lookup
 * of an RFC 2606 `.invalid` name, real loopback sockets), never timed.
 */
describe('vendors that cannot be reached', () => {
  let c: TestCollector;
  let restore: () => void;
  const attempts = new Map<string, number>();
  const counting: typeof fetch = (input, init) => {
    const host = new URL(String(input instanceof Request ? input.url : input)).host;
    attempts.set(host, (attempts.get(host) ?? 0) + 1);
    return fetch(input, init);
  };
  let tlsDir: string;
  let tls: https.Server;
  let closedPort: number;

  const create = async (name: string, baseUrl: string) => {
    const config = { baseUrl, clientId: 'jamf-client', clientSecret: 'jamf-secret-unreachable-0001' };
    const created = await c.admin('POST', '/admin/v1/integrations', { kind: 'jamf-pro', name, platforms: ['macos'], config });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.id as string;
  };

  beforeAll(async () => {
    // The policy's five attempts stay five; only the waits between them shrink.
    restore = overrideVendorClientForTests(FAST_RETRY);
    c = await startTestCollector({ scheduler: false, fetch: counting });
    tlsDir = mkdtempSync(path.join(tmpdir(), 'devtrust-tls-'));
    const cert = selfSignedCertificate(tlsDir);
    tls = https.createServer({ cert: readFileSync(cert.cert), key: readFileSync(cert.key) }, (_req, res) => res.end('{}'));
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    // A port that was just free and is closed again: connecting to it is refused.
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });
  afterAll(async () => {
    restore();
    await c.stop();
    await new Promise<void>((resolve) => tls.close(() => resolve()));
    rmSync(tlsDir, { recursive: true, force: true });
  });

  it('this machine answers that a .invalid name does not exist (what the tests below rely on)', async () => {
    await assert.rejects(lookup('jamf.invalid'), (error: NodeJS.ErrnoException) => error.code === 'ENOTFOUND');
  });

  it('a test of a host that does not exist asks the DNS once and says so', async () => {
    const id = await create('nowhere', 'https://jamf.invalid');
    attempts.clear();
    const { status, body } = await c.admin('POST', `/admin/v1/integrations/${id}/test`);
    assert.equal(status, 200);
    assert.deepEqual(body, { ok: false, message: 'cannot reach Jamf Pro at jamf.invalid: host not found (ENOTFOUND)' });
    assert.equal(attempts.get('jamf.invalid'), 1);
  });

  it('a sync of it fails after one attempt too', async () => {
    const id = await create('nowhere, synced', 'https://jamf.invalid');
    attempts.clear();
    const run = await syncAndWait(c, id);
    assert.equal(run.status, 'failed');
    assert.equal(run.error, 'cannot reach Jamf Pro at jamf.invalid: host not found (ENOTFOUND)');
    assert.equal(attempts.get('jamf.invalid'), 1);
  });

  it('a certificate this collector does not trust is not tried again', async () => {
    const host = `localhost:${(tls.address() as net.AddressInfo).port}`;
    const id = await create('self-signed', `https://${host}`);
    attempts.clear();
    const run = await syncAndWait(c, id);
    assert.equal(run.error, `cannot reach Jamf Pro at ${host}: its certificate is self-signed (DEPTH_ZERO_SELF_SIGNED_CERT)`);
    assert.equal(attempts.get(host), 1);
  });

  it('a refused connection: a test reports it at once, a sync tries again (a vendor restarting refuses for seconds)', async () => {
    const host = `127.0.0.1:${closedPort}`;
    const id = await create('refused', `http://${host}`);
    attempts.clear();
    const { body } = await c.admin('POST', `/admin/v1/integrations/${id}/test`);
    assert.deepEqual(body, { ok: false, message: `cannot reach Jamf Pro at ${host}: connection refused (ECONNREFUSED)` });
    assert.equal(attempts.get(host), 1);
    attempts.clear();
    const run = await syncAndWait(c, id);
    assert.equal(run.error, `cannot reach Jamf Pro at ${host}: connection refused (ECONNREFUSED)`);
    assert.equal(attempts.get(host), DEFAULT_RETRY.attempts);
  });

  it('a resolver that timed out (EAI_AGAIN) gets one more try; a name that does not exist none', () => {
    assert.equal(faultRetry('EAI_AGAIN'), 'one-more');
    for (const code of [
      'ENOTFOUND',
      'EAI_NONAME',
      'EAI_FAIL',
      'CERT_HAS_EXPIRED',
      'ERR_TLS_CERT_ALTNAME_INVALID',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    ])
      assert.equal(faultRetry(code), 'none', code);
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET', undefined]) assert.equal(faultRetry(code), 'policy', code);
  });
});
