import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { BINS, runBin } from '../support/bin.js';
import { POSTGRES_SKIP, POSTGRES_URL } from '../support/postgres.js';
import { itUnless } from '../support/skip.js';
import { spawnProcess } from './spawned.js';

/** What a newcomer reads when the collector starts: each line names the setting it comes from. */
describe('devtrust-collector start-up messages', () => {
  const dirs: string[] = [];
  const dir = (): string => {
    const made = mkdtempSync(path.join(tmpdir(), 'devtrust-start-'));
    dirs.push(made);
    return made;
  };
  afterAll(() => {
    for (const made of dirs) rmSync(made, { recursive: true, force: true });
  });

  it('DEVTRUST_PORT=0 keeps an explicit DEVTRUST_PUBLIC_URL (it printed http://127.0.0.1:<port>)', async () => {
    const collector = spawnProcess(process.execPath, [BINS['devtrust-collector']], {
      env: {
        DEVTRUST_DATA_DIR: dir(),
        DEVTRUST_HOST: '127.0.0.1',
        DEVTRUST_PORT: '0',
        DEVTRUST_PUBLIC_URL: 'https://trust.example.com',
        DEVTRUST_LOG_LEVEL: 'info',
      },
    });
    try {
      const [, listen] = await collector.waitForOutput(/listening on (http:\/\/127\.0\.0\.1:\d+) /, 'the listening line');
      const [, shown] = await collector.waitForOutput(/^ {2}public URL: (\S+) /m, 'the public URL line');
      assert.equal(shown, 'https://trust.example.com');
      assert.notEqual(listen, shown);
      const logged = collector
        .stdout()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { msg: string; publicUrl?: string })
        .find((line) => line.msg === 'collector listening');
      assert.equal(logged?.publicUrl, 'https://trust.example.com');
    } finally {
      await collector.stop();
    }
  });

  itUnless(POSTGRES_SKIP)('a wrong database password names DEVTRUST_DATABASE_URL, never the password', async () => {
    const url = new URL(POSTGRES_URL as string);
    url.password = 'not-the-password-x7';
    const r = await runBin('devtrust-collector', [], {
      env: { DEVTRUST_DATA_DIR: dir(), DEVTRUST_PORT: '0', DEVTRUST_DATABASE_URL: url.href, DEVTRUST_LOG_LEVEL: 'silent' },
      timeoutMs: 60_000,
    });
    assert.equal(r.code, 1, r.stderr);
    const line = r.stderr.split('\n').find((l) => l.startsWith('devtrust-collector: cannot start:'));
    assert.ok(line, r.stderr);
    assert.match(line, /cannot open the PostgreSQL database of DEVTRUST_DATABASE_URL \(postgres:\/\/[^@\s]+:\*\*\*@/);
    assert.match(line, /password authentication failed/);
    assert.doesNotMatch(`${r.stdout}${r.stderr}`, /not-the-password-x7/);
  });
});
