import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runBin } from '../support/bin.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../support/collector.js';

/** devtrustctl prints one page of a listing and says how to get the next. */
describe('devtrustctl log and endpoints page with --cursor', () => {
  let c: TestCollector;
  let app: string;
  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
    app = (await c.admin('POST', '/admin/v1/applications', { name: 'Payroll', redirectUris: ['http://127.0.0.1:9/cb'], policy: {} })).body
      .id;
    for (let i = 0; i < 5; i++) {
      await c.store.authLog.append({
        at: Date.parse('2026-11-20T10:00:00Z') + i * 60_000,
        outcome: 'attested',
        transactionId: null,
        applicationId: i === 4 ? 'app_other' : app,
        applicationName: i === 4 ? 'Other' : 'Payroll',
        username: `user${i}@example.com`,
        endpointId: null,
        verdict: 'trusted',
        access: 'allow',
        reasons: ['trusted'],
      });
    }
    const { id } = await c.store.endpoints.enroll(randomBytes(32).toString('base64url'));
    const report = {
      agentVersion: 't',
      collectedAt: 'x',
      identity: { platform: 'linux', hostname: 'lab-box', macAddresses: ['02:FC:00:00:00:01'] },
    };
    await c.store.endpoints.recordReport(id, 1, report as never, Date.now());
  });
  afterAll(() => c?.stop());

  const ctl = (...args: string[]) => runBin('devtrustctl', args, { env: { DEVTRUST_URL: c.url, DEVTRUST_API_KEY: OWNER_TOKEN } });

  it('log --application --limit: a page, then --cursor for the rest; the last page says nothing more', async () => {
    const first = await ctl('log', '--application', app, '--limit', '3');
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(first.stdout.match(/user\d@example\.com/g), ['user3@example.com', 'user2@example.com', 'user1@example.com']);
    const cursor = /^devtrustctl: more follow: run again with --cursor (\S+)\n$/.exec(first.stderr)?.[1];
    assert.ok(cursor, first.stderr);
    const rest = await ctl('log', '--application', app, '--limit', '3', '--cursor', cursor);
    assert.equal(rest.code, 0, rest.stderr);
    assert.deepEqual(rest.stdout.match(/user\d@example\.com/g), ['user0@example.com']);
    assert.equal(rest.stderr, '');
    const bad = await ctl('log', '--cursor', 'nope');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^devtrustctl: 400 INVALID_CURSOR: .*\(field cursor\)\n$/);
  });

  it('endpoints --q finds a MAC address in any notation', async () => {
    const found = await ctl('endpoints', '--q', '02-fc-00-00-00-01');
    assert.equal(found.code, 0, found.stderr);
    assert.match(found.stdout, /lab-box/);
  });
});
