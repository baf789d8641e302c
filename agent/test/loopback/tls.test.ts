import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { pino } from 'pino';
import { Agent } from '@devtrust/agent/core/agent';
import { LoopbackDoor } from '@devtrust/agent/loopback/door';
import { loadOrCreateLoopbackCert, loopbackCertFiles, MAX_VALIDITY_DAYS, trustCommand, untrustCommand } from '@devtrust/agent/loopback/tls';

const log = pino({ level: 'silent' });
const ORIGIN = 'https://trust.example.com';
const tempDir = () => mkdtempSync(path.join(tmpdir(), 'devtrust-tls-'));

/** A real TLS handshake from Node, trusting only our certificate, with hostname checks on. */
function get(port: number, ca: string, servername: string, options: { host?: string; path?: string; origin?: string } = {}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1', // the door listens on IPv4 loopback only
        port,
        path: options.path ?? '/v1/ping',
        ca,
        // Node checks the certificate against servername (SNI), or host when it is an IP.
        servername: servername === '127.0.0.1' ? undefined : servername,
        headers: { host: options.host ?? `${servername}:${port}`, ...(options.origin ? { origin: options.origin } : {}) },
        agent: false,
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('loopback door over HTTPS', () => {
  const dataDir = tempDir();
  const doors: LoopbackDoor[] = [];
  afterAll(async () => {
    for (const door of doors) await door.stop();
  });

  async function startDoor(tls: { cert: string; key: string }) {
    const door = new LoopbackDoor({ collectorOrigin: ORIGIN, port: 0, tls, attest: async () => undefined, log });
    doors.push(door);
    return door.start();
  }

  it('first run: an ECDSA P-256 certificate for localhost and 127.0.0.1, ≤ 825 days, key 0600', async () => {
    const made = await loadOrCreateLoopbackCert(dataDir);
    assert.equal(made.created, true);
    const cert = new X509Certificate(made.cert);
    assert.equal(cert.publicKey.asymmetricKeyType, 'ec');
    assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.equal(cert.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1');
    assert.equal(cert.ca, false);
    assert.ok(cert.checkHost('localhost'));
    assert.ok(cert.checkIP('127.0.0.1'));
    assert.ok(cert.verify(cert.publicKey), 'self-signed');
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
    assert.ok(days <= MAX_VALIDITY_DAYS && days > 800, `${days} days`);
    const { keyFile, certFile } = loopbackCertFiles(dataDir);
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.equal(made.certFile, certFile);
  });

  it('a real HTTPS request trusting only that certificate reaches the door, by name and by IP', async () => {
    const { cert, key } = await loadOrCreateLoopbackCert(dataDir);
    const port = await startDoor({ cert, key });
    const byName = await get(port, cert, 'localhost');
    assert.equal(byName.status, 200);
    assert.match(byName.body, /"agent":"devtrust"/);
    const byIp = await get(port, cert, '127.0.0.1');
    assert.equal(byIp.status, 200);
  });

  it('a name the certificate does not carry fails the hostname check; an untrusting client fails too', async () => {
    const { cert, key } = await loadOrCreateLoopbackCert(dataDir);
    const port = await startDoor({ cert, key });
    await assert.rejects(
      get(port, cert, 'devtrust.example.com'),
      (error: NodeJS.ErrnoException) => error.code === 'ERR_TLS_CERT_ALTNAME_INVALID',
    );
    const other = await loadOrCreateLoopbackCert(tempDir());
    await assert.rejects(get(port, other.cert, 'localhost'), (error: NodeJS.ErrnoException) =>
      /SELF_SIGNED|UNABLE_TO_VERIFY|CERT_SIGNATURE/.test(error.code ?? ''),
    );
  });

  it('a second start reuses the same certificate and key', async () => {
    const first = await loadOrCreateLoopbackCert(dataDir);
    const keyBefore = readFileSync(loopbackCertFiles(dataDir).keyFile, 'utf8');
    const second = await loadOrCreateLoopbackCert(dataDir);
    assert.equal(second.created, false);
    assert.equal(second.key, first.key);
    assert.equal(second.cert, first.cert);
    assert.equal(readFileSync(loopbackCertFiles(dataDir).keyFile, 'utf8'), keyBefore);
  });

  it('renewed before it expires (a new certificate the OS must trust again), and when broken', async () => {
    const dir = tempDir();
    const first = await loadOrCreateLoopbackCert(dir);
    const nearEnd = new Date(first.notAfter.getTime() - 10 * 86_400_000);
    const renewed = await loadOrCreateLoopbackCert(dir, { now: nearEnd });
    assert.equal(renewed.created, true);
    assert.notEqual(renewed.cert, first.cert);
    assert.ok(renewed.notAfter > first.notAfter);
    const stillGood = await loadOrCreateLoopbackCert(dir, { now: nearEnd });
    assert.equal(stillGood.created, false);

    const { writeFileSync } = await import('node:fs');
    writeFileSync(loopbackCertFiles(dir).certFile, 'garbage');
    assert.equal((await loadOrCreateLoopbackCert(dir)).created, true);
  });

  it('a stored certificate is remade unless its alternative names carry localhost and 127.0.0.1 (the subject does not count) and its key is the stored one', async () => {
    const x509 = await import('@peculiar/x509');
    const { webcrypto } = await import('node:crypto');
    const { writeFileSync } = await import('node:fs');
    x509.cryptoProvider.set(webcrypto as unknown as Crypto);
    const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    const selfSigned = async (
      names: { type: 'dns' | 'ip'; value: string }[],
      shape: { ca?: boolean | null; serverAuth?: boolean; days?: number } = {},
    ) => {
      const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
      const { ca = false, serverAuth = true, days = 400 } = shape;
      const cert = await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: '01',
        name: 'CN=localhost',
        notBefore: new Date(Date.now() - 3_600_000),
        notAfter: new Date(Date.now() + days * 86_400_000),
        keys,
        signingAlgorithm: algorithm,
        extensions: [
          ...(names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : []),
          ...(ca === null ? [] : [new x509.BasicConstraintsExtension(ca, undefined, true)]),
          new x509.ExtendedKeyUsageExtension([serverAuth ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.codeSigning]),
        ],
      });
      const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
      return { cert: cert.toString('pem'), key: `-----BEGIN PRIVATE KEY-----\n${pkcs8}\n-----END PRIVATE KEY-----\n` };
    };
    const store = (dir: string, pair: { cert: string; key: string }) => {
      writeFileSync(loopbackCertFiles(dir).certFile, pair.cert);
      writeFileSync(loopbackCertFiles(dir).keyFile, pair.key);
    };
    const dir = tempDir();
    const first = await loadOrCreateLoopbackCert(dir);
    for (const names of [
      [],
      [{ type: 'dns' as const, value: 'localhost' }],
      [{ type: 'ip' as const, value: '127.0.0.1' }],
      [
        { type: 'dns' as const, value: 'localhost.example' },
        { type: 'ip' as const, value: '127.0.0.2' },
      ],
    ]) {
      store(dir, await selfSigned(names));
      const again = await loadOrCreateLoopbackCert(dir);
      assert.equal(again.created, true, JSON.stringify(names));
      assert.notEqual(again.cert, first.cert);
    }
    // Both names, a valid span, a leaf for server authentication: kept, whoever made it.
    const both = await selfSigned([
      { type: 'dns', value: 'localhost' },
      { type: 'ip', value: '127.0.0.1' },
    ]);
    store(dir, both);
    assert.equal((await loadOrCreateLoopbackCert(dir)).created, false);
    // The OS is told to trust this file as a root (System keychain, Windows Root store) by an
    // administrator's script, and the data dir is the user's: a certificate planted there must
    // not be kept unless it is the leaf this agent makes. A CA, a certificate without basic
    // constraints, one naming any other host, one for another use or past Apple's span: remade.
    const loopback = [
      { type: 'dns' as const, value: 'localhost' },
      { type: 'ip' as const, value: '127.0.0.1' },
    ];
    for (const [what, planted] of [
      ['a CA', await selfSigned(loopback, { ca: true })],
      ['no basic constraints', await selfSigned(loopback, { ca: null })],
      ['another name too', await selfSigned([...loopback, { type: 'dns', value: 'bank.example' }])],
      ['another IP too', await selfSigned([...loopback, { type: 'ip', value: '10.0.0.1' }])],
      ['code signing', await selfSigned(loopback, { serverAuth: false })],
      ['a longer span than Apple takes', await selfSigned(loopback, { days: 3650 })],
    ] as const) {
      store(dir, planted);
      const again = await loadOrCreateLoopbackCert(dir);
      assert.equal(again.created, true, what);
      assert.notEqual(again.cert, planted.cert, what);
    }
    store(dir, both);
    // The certificate beside another key (a crash between the two writes): remade.
    writeFileSync(loopbackCertFiles(dir).keyFile, first.key);
    assert.equal((await loadOrCreateLoopbackCert(dir)).created, true);
    store(dir, both);
    // Not valid yet (more than the five minutes of clock skew allowed): remade.
    assert.equal((await loadOrCreateLoopbackCert(dir, { now: new Date(Date.now() - 2 * 3_600_000) })).created, true);
  });

  it('the per-OS trust commands the installers run', () => {
    assert.deepEqual(trustCommand('darwin', '/d/loopback/localhost.crt.pem'), {
      command: '/usr/bin/security',
      args: ['add-trusted-cert', '-d', '-r', 'trustRoot', '-k', '/Library/Keychains/System.keychain', '/d/loopback/localhost.crt.pem'],
    });
    assert.deepEqual(trustCommand('win32', 'C:\\ProgramData\\DevTrust\\Agent\\loopback\\localhost.crt.pem'), {
      command: 'certutil.exe',
      args: ['-addstore', '-f', 'Root', 'C:\\ProgramData\\DevTrust\\Agent\\loopback\\localhost.crt.pem'],
    });
    assert.equal(trustCommand('linux', '/x'), null);
    assert.equal(untrustCommand('darwin', '/x')?.args[0], 'remove-trusted-cert');
  });
});

describe('the agent serves its door over HTTPS when the collector is not on loopback', () => {
  it('wires loopbackTls into the door', async () => {
    const dataDir = tempDir();
    const agent = new Agent(
      {
        collectorUrl: 'https://collector.invalid',
        enrollmentKey: 'k',
        dataDir,
        loopbackPort: 0,
        identityFile: null,
        once: false,
        logLevel: 'silent',
        managedKeys: [],
        managed: {},
      },
      { log, collect: async () => ({ identity: {}, posture: {}, probeErrors: {} }), loopbackTls: () => loadOrCreateLoopbackCert(dataDir) },
    );
    await agent.start();
    try {
      const port = agent.status().loopbackPort!;
      const { cert } = await loadOrCreateLoopbackCert(dataDir);
      const ping = await get(port, cert, 'localhost', { origin: 'https://collector.invalid' });
      assert.equal(ping.status, 200);
    } finally {
      await agent.stop();
    }
  });
});

describe('a certificate that cannot be made', () => {
  it('is logged and the door falls back to HTTP instead of the agent failing to start', async () => {
    const { loopbackTlsProvider } = await import('@devtrust/agent/loopback/tls');
    const { writeFileSync } = await import('node:fs');
    const blocker = path.join(tempDir(), 'not-a-dir');
    writeFileSync(blocker, 'a file where the data dir should be');
    const warnings: string[] = [];
    const provide = loopbackTlsProvider(blocker, { warn: (_details, message) => void warnings.push(message) }, 'darwin');
    assert.equal(await provide(), null);
    assert.deepEqual(warnings, ['cannot make the loopback certificate']);
  });

  it('on Linux (no OS trust store browsers share) the door stays on plain HTTP', async () => {
    const { loopbackTlsProvider } = await import('@devtrust/agent/loopback/tls');
    const dir = tempDir();
    assert.equal(await loopbackTlsProvider(dir, { warn: () => undefined }, 'linux')(), null);
    const made = await loopbackTlsProvider(dir, { warn: () => undefined }, 'win32')();
    assert.equal(made?.created, true);
  });
});
