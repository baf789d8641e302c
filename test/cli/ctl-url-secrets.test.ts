import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runBin } from '../support/bin.js';
import { selfSignedCertificate } from '../support/tls.js';
import { freePort } from './spawned.js';

/**
 * devtrustctl given a collector URL that holds secrets (`https://user:secret@host:8443/?token=abc`)
 * printed them back: `cannot reach https://user:secret@…/?token=abc: Request cannot be constructed
 * from a URL that includes credentials: https://user:secret@…` (Node's fetch refuses URL
 * credentials, and says the URL). It now refuses such a URL before sending anything, in words
 * that never repeat the user name, password, query or fragment, whichever output mode.
 */
const SECRETS = ['admin-user', 's3cret-pass', 't0ken-abc', 'frag-xyz'];

describe('devtrustctl never prints the secrets of a collector URL', () => {
  let dir: string;
  let requests = 0;
  let plain: Server;
  let tls: https.Server;
  const hosts: Record<string, string> = {};
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'devtrust-ctl-url-'));
    const self = selfSignedCertificate(dir);
    const count = (_req: unknown, res: { end(text: string): void }) => {
      requests += 1;
      res.end('{}');
    };
    plain = createServer(count);
    tls = https.createServer({ cert: readFileSync(self.cert), key: readFileSync(self.key) }, count);
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    hosts['an HTTP server'] = `http://127.0.0.1:${(plain.address() as { port: number }).port}`;
    hosts['a TLS server'] = `https://localhost:${(tls.address() as { port: number }).port}`;
    hosts['nothing listening'] = `https://127.0.0.1:${await freePort()}`;
  });
  afterAll(async () => {
    plain.closeAllConnections();
    tls.closeAllConnections();
    await new Promise<void>((resolve) => plain.close(() => resolve()));
    await new Promise<void>((resolve) => tls.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  /** Every secret absent from both streams, one line on stderr, exit 2 (a bad command line). */
  const assertRefusedQuietly = (r: { code: number | null; stdout: string; stderr: string }, what: string, refusal: RegExp) => {
    assert.equal(r.code, 2, `${what}: ${r.stderr}`);
    for (const secret of SECRETS) {
      assert.ok(!r.stdout.includes(secret), `${what}: stdout shows ${secret}: ${r.stdout}`);
      assert.ok(!r.stderr.includes(secret), `${what}: stderr shows ${secret}: ${r.stderr}`);
    }
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, `${what}: ${r.stderr}`);
    assert.match(r.stderr.trimEnd(), refusal, what);
  };

  it('a user name and password (with a query and fragment): refused from --url and DEVTRUST_URL, in every output mode and command kind', async () => {
    const commands = [['health'], ['endpoints'], ['findings'], ['backup', path.join(dir, 'backup.sqlite')]];
    for (const [target, host] of Object.entries(hosts)) {
      const url = host.replace('//', '//admin-user:s3cret-pass@') + '/?token=t0ken-abc#frag-xyz';
      for (const mode of [[], ['--json']]) {
        for (const command of commands) {
          const what = `${target}, ${[...mode, ...command].join(' ')}`;
          const env = { DEVTRUST_API_KEY: 'dtk_whatever-key-000000000000', NODE_EXTRA_CA_CERTS: '' };
          assertRefusedQuietly(
            await runBin('devtrustctl', ['--url', url, ...mode, ...command], { env }),
            `--url, ${what}`,
            /^devtrustctl: --url must not hold a user name or password \(https?:\/\/\*\*\*@(127\.0\.0\.1|localhost):\d+\/…\): devtrustctl signs in with an API key/,
          );
          assertRefusedQuietly(
            await runBin('devtrustctl', [...mode, ...command], { env: { ...env, DEVTRUST_URL: url } }),
            `DEVTRUST_URL, ${what}`,
            /^devtrustctl: DEVTRUST_URL must not hold a user name or password /,
          );
        }
      }
    }
    // Refused before any request: the secrets never left this machine either.
    assert.equal(requests, 0);
  });

  it('a query or fragment alone, or a URL that does not parse, is refused without repeating its secrets', async () => {
    const http = hosts['an HTTP server']!;
    const cases: [string, RegExp][] = [
      [`${http}/?token=t0ken-abc`, /^devtrustctl: --url must not hold a query or fragment \(http:\/\/127\.0\.0\.1:\d+\/…\)/],
      [`${http}/#frag-xyz`, /must not hold a query or fragment/],
      [`${http}?`, /must not hold a query or fragment/],
      [`${http.replace('//', '//admin-user@')}/`, /must not hold a user name or password \(http:\/\/\*\*\*@127/],
      // Not a URL at all (port out of range): named, with its secrets hidden, as the admin typed it.
      [
        'https://admin-user:s3cret-pass@localhost:99999/?token=t0ken-abc',
        /^devtrustctl: --url "https:\/\/\*\*\*@localhost:99999\/…" is not a URL$/,
      ],
      ['ftp://admin-user:s3cret-pass@localhost/', /^devtrustctl: --url "ftp:\/\/\*\*\*@localhost\/" must be an http\(s\) URL$/],
    ];
    for (const [url, refusal] of cases)
      for (const mode of [[], ['--json']])
        assertRefusedQuietly(await runBin('devtrustctl', ['--url', url, ...mode, 'health']), url, refusal);
    assert.equal(requests, 0);
  });

  it('the collector URL without them still reaches the collector', async () => {
    const r = await runBin('devtrustctl', ['--url', `${hosts['an HTTP server']}/`, 'endpoints'], {
      env: { DEVTRUST_API_KEY: 'dtk_whatever-key-000000000000' },
    });
    // The server answers `{}`: no list of endpoints, but reached, and the line names the URL.
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^devtrustctl: http:\/\/127\.0\.0\.1:\d+ does not answer like a DevTrust collector/);
    assert.equal(requests, 1);
  });
});
