import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runBin } from '../support/bin.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../support/collector.js';

/**
 * `app create`, `app rotate-secret`, `key create` (and `enrollment-key rotate`) printed a secret
 * the collector never shows again without saying so, where the console says "Shown once". They
 * now say it on stderr; --json's stdout stays the collector's answer, parseable as it was.
 */
describe('devtrustctl says a secret it prints is shown once', () => {
  let c: TestCollector;
  const ctl = (...args: string[]) => runBin('devtrustctl', args, { env: { DEVTRUST_URL: c.url, DEVTRUST_API_KEY: OWNER_TOKEN } });
  const once = (field: string, lost: string): string =>
    `devtrustctl: the ${field} above is shown once: store it now; it cannot be shown again (if lost: ${lost})\n`;
  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
  });
  afterAll(() => c?.stop());

  it('app create and app rotate-secret, in human output and with --json', async () => {
    const created = await ctl('app', 'create', '--name', 'Wiki', '--redirect-uris', 'https://wiki.example/cb');
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^clientSecret: \S+$/m);
    assert.equal(created.stderr, once('clientSecret', 'devtrustctl app rotate-secret ID issues a new one'));

    const json = await ctl('--json', 'app', 'create', '--name', 'Mail', '--redirect-uris', 'https://mail.example/cb');
    assert.equal(json.code, 0, json.stderr);
    const answer = JSON.parse(json.stdout) as Record<string, unknown>;
    assert.equal(typeof answer.clientSecret, 'string');
    assert.equal(json.stderr, once('clientSecret', 'devtrustctl app rotate-secret ID issues a new one'));

    const rotated = await ctl('app', 'rotate-secret', answer.id as string);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.equal(rotated.stderr, once('clientSecret', 'devtrustctl app rotate-secret ID issues a new one'));
    // Reading it back shows no secret, and says nothing about one.
    const shown = await ctl('app', 'show', answer.id as string);
    assert.deepEqual([shown.code, shown.stderr], [0, '']);
  });

  it('key create and enrollment-key rotate', async () => {
    const key = await ctl('key', 'create', '--name', 'ci', '--role', 'read-only');
    assert.equal(key.code, 0, key.stderr);
    assert.match(key.stdout, /^key: dtk_\S+$/m);
    assert.equal(key.stderr, once('key', 'revoke it (devtrustctl key revoke ID) and create another'));
    const enrollment = await ctl('--json', 'enrollment-key', 'rotate');
    assert.equal(enrollment.code, 0, enrollment.stderr);
    assert.equal(typeof (JSON.parse(enrollment.stdout) as { enrollmentKey?: unknown }).enrollmentKey, 'string');
    assert.equal(enrollment.stderr, once('enrollmentKey', 'devtrustctl enrollment-key rotate issues a new one'));
  });
});
