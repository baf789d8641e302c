import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runBin } from '../support/bin.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * `devtrustctl backup FILE` against collectors that misbehave (real HTTP servers on
 * loopback): FILE is either a whole, verified backup or absent, and the reason is one line.
 * The real collector's side is in test/e2e/backup-restore.test.ts.
 */
describe('devtrustctl backup: FILE is whole and verified, or absent', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-ctl-backup-'));
  let handler: Handler = () => undefined;
  const server = createServer((req, res) => handler(req, res));
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const content = Buffer.from('SQLite format 3\u0000'.padEnd(4096, 'x'));
  const sha = createHash('sha256').update(content).digest('hex');
  const backup = async (name: string) => {
    const file = path.join(dir, name);
    const r = await runBin('devtrustctl', ['backup', file], { env: { DEVTRUST_URL: url, DEVTRUST_API_KEY: 'dtk_anything' } });
    return { ...r, file };
  };
  const assertNothingSaved = (file: string): void => {
    assert.equal(existsSync(file), false, 'a file was saved');
    assert.equal(existsSync(`${file}.partial`), false, 'the partial file was left');
  };

  it('saves what arrives whole, as announced, owner-only', async () => {
    handler = (req, res) => {
      assert.equal(req.method, 'POST');
      assert.equal(req.url, '/admin/v1/backup');
      assert.equal(req.headers.authorization, 'Bearer dtk_anything');
      res.writeHead(200, { 'content-type': 'application/vnd.sqlite3', 'content-length': content.length, 'x-devtrust-backup-sha256': sha });
      res.end(content);
    };
    const r = await backup('good.sqlite');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readFileSync(r.file), content);
    assert.equal(statSync(r.file).mode & 0o777, 0o600);
    assert.equal(existsSync(`${r.file}.partial`), false);
    assert.match(r.stdout, new RegExp(`^sha256: ${sha}$`, 'm'));
  });

  it('a body that does not match its SHA-256 is not saved', async () => {
    handler = (_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/vnd.sqlite3',
        'content-length': content.length,
        'x-devtrust-backup-sha256': '0'.repeat(64),
      });
      res.end(content);
    };
    const r = await backup('damaged.sqlite');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^devtrustctl: the backup arrived damaged/);
    assertNothingSaved(r.file);
  });

  it('a connection that breaks off mid-file is not saved', async () => {
    handler = (_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/vnd.sqlite3',
        'content-length': content.length * 4,
        'x-devtrust-backup-sha256': sha,
      });
      res.write(content, () => res.destroy());
    };
    const r = await backup('cut.sqlite');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^devtrustctl: the backup (broke off after|arrived damaged)/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assertNothingSaved(r.file);
  });

  it("the collector's refusal is one line; something that is not a collector is named as such", async () => {
    handler = (_req, res) => {
      res.writeHead(409, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'BACKUP_UNAVAILABLE', message: 'back it up with pg_dump' } }));
    };
    let r = await backup('refused.sqlite');
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'devtrustctl: 409 BACKUP_UNAVAILABLE: back it up with pg_dump\n');
    assertNothingSaved(r.file);

    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><p>Welcome to nginx!</p>');
    };
    r = await backup('html.sqlite');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /does not answer like a DevTrust collector \(POST \/admin\/v1\/backup: HTTP 200, text\/html\)/);
    assertNothingSaved(r.file);
  });
});
