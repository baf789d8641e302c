import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { BINS, runBin } from '../support/bin.js';
import { selfSignedCertificate } from '../support/tls.js';
import { freePort, spawnProcess, type Spawned } from './spawned.js';

/**
 * A private CA as an admin makes one: the CA, and the collector's certificate for `localhost`
 * signed by it (openssl, P-256, one day).
 */
function privateCa(dir: string): { ca: string; cert: string; key: string } {
  const file = (name: string) => path.join(dir, name);
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(['req', '-x509', ...ec, '-days', '1', '-subj', '/CN=DevTrust test CA', '-keyout', file('ca-key.pem'), '-out', file('ca.pem')]);
  openssl(['req', ...ec, '-subj', '/CN=localhost', '-keyout', file('key.pem'), '-out', file('cert.csr')]);
  writeFileSync(file('ext.cnf'), 'subjectAltName=DNS:localhost\n');
  openssl(
    ['x509', '-req', '-in', file('cert.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca-key.pem'), '-CAcreateserial'].concat([
      '-days',
      '1',
      '-extfile',
      file('ext.cnf'),
      '-out',
      file('cert.pem'),
    ]),
  );
  return { ca: file('ca.pem'), cert: file('cert.pem'), key: file('key.pem') };
}

/**
 * devtrustctl against a collector serving TLS with a private CA: it said `cannot reach …:
 * DEPTH_ZERO_SELF_SIGNED_CERT (set --url, DEVTRUST_URL, or DEVTRUST_PORT …)`, pointing at the
 * URL. A certificate error now says how to trust the CA (NODE_EXTRA_CA_CERTS), never to turn
 * verification off.
 */
describe('devtrustctl and a collector whose certificate this machine does not trust', () => {
  let dir: string;
  let ca: string;
  let port: number;
  let collector: Spawned;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'devtrust-ctl-tls-'));
    const made = privateCa(dir);
    ca = made.ca;
    port = await freePort();
    collector = spawnProcess(process.execPath, [BINS['devtrust-collector']], {
      env: {
        DEVTRUST_DATA_DIR: path.join(dir, 'data'),
        DEVTRUST_HOST: '127.0.0.1',
        DEVTRUST_PORT: String(port),
        DEVTRUST_TLS_CERT: made.cert,
        DEVTRUST_TLS_KEY: made.key,
        DEVTRUST_PUBLIC_URL: `https://localhost:${port}`,
        DEVTRUST_LOG_LEVEL: 'warn',
      },
    });
    await collector.waitForOutput(/collector listening/, 'the listening line');
  });
  afterAll(async () => {
    await collector?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const noWayAround = (stderr: string) =>
    assert.doesNotMatch(stderr, /NODE_TLS_REJECT_UNAUTHORIZED|rejectUnauthorized|insecure|--no-verify/i);

  it('an untrusted CA: the hint says to trust it with NODE_EXTRA_CA_CERTS, not to change the URL', async () => {
    const env = { NODE_EXTRA_CA_CERTS: '', DEVTRUST_API_KEY: 'dtk_whatever-key-000000000000' };
    for (const args of [['health'], ['endpoints'], ['backup', path.join(dir, 'backup.sqlite')]]) {
      const r = await runBin('devtrustctl', ['--url', `https://localhost:${port}`, ...args], { env });
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      assert.match(
        r.stderr,
        /^devtrustctl: cannot reach https:\/\/localhost:\d+: (UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY) \(/,
        args[0],
      );
      assert.match(r.stderr, /trust it with NODE_EXTRA_CA_CERTS=FILE/, args[0]);
      assert.doesNotMatch(r.stderr, /set --url/, args[0]);
      noWayAround(r.stderr);
    }
  });

  it('a self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT, as the newcomer saw) gets the same hint', async () => {
    const self = selfSignedCertificate(mkdtempSync(path.join(dir, 'self-')));
    const server = https.createServer({ cert: readFileSync(self.cert), key: readFileSync(self.key) }, (_req, res) => res.end('{}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `https://localhost:${(server.address() as { port: number }).port}`;
      const r = await runBin('devtrustctl', ['--url', url, 'health'], { env: { NODE_EXTRA_CA_CERTS: '' } });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /: DEPTH_ZERO_SELF_SIGNED_CERT \(.*trust it with NODE_EXTRA_CA_CERTS=FILE/);
      noWayAround(r.stderr);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('with NODE_EXTRA_CA_CERTS naming the CA, it answers', async () => {
    const r = await runBin('devtrustctl', ['--url', `https://localhost:${port}`, 'health'], { env: { NODE_EXTRA_CA_CERTS: ca } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ok: true$/m);
  });

  it('the CA trusted but a host the certificate does not name: the hint is about the name', async () => {
    const r = await runBin('devtrustctl', ['--url', `https://127.0.0.1:${port}`, 'health'], { env: { NODE_EXTRA_CA_CERTS: ca } });
    assert.equal(r.code, 1, r.stderr);
    // Not "use a name it holds" alone: under interception that steers the API key to whoever answered.
    assert.match(
      r.stderr,
      /ERR_TLS_CERT_ALTNAME_INVALID \(the server's TLS certificate does not name this host: you may have reached another server than the collector; check before sending your API key there, then set --url/,
    );
    noWayAround(r.stderr);
  });
});
