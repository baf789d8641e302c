import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runBin } from '../support/bin.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../support/collector.js';

/**
 * An empty list printed its header row alone (`id  name  clientId  reasonDetail`), which reads like
 * output cut short. Human output now says the list is empty and, where there is one, how to fill
 * it; --json prints the collector's answer as before.
 */
describe('devtrustctl: an empty list says so', () => {
  let c: TestCollector;
  const ctl = async (...args: string[]) => {
    const r = await runBin('devtrustctl', args, { env: { DEVTRUST_URL: c.url, DEVTRUST_API_KEY: OWNER_TOKEN } });
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };
  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
  });
  afterAll(() => c?.stop());

  it('apps, users, groups, integrations, endpoints and the logs on a new collector', async () => {
    assert.equal(await ctl('apps'), 'No applications yet (devtrustctl app create registers one).\n');
    assert.equal(await ctl('users'), 'No users yet (devtrustctl user set USERNAME --groups a,b adds one to groups).\n');
    assert.equal(await ctl('groups'), 'No groups yet (devtrustctl user set USERNAME --groups a,b puts a user in one).\n');
    assert.equal(await ctl('integrations'), 'No integrations yet (devtrustctl integration create adds one).\n');
    assert.equal(await ctl('endpoints'), 'No endpoints yet: none has enrolled.\n');
    assert.equal(await ctl('log'), 'No sign-ins yet.\n');
    assert.equal(await ctl('log', '--user', 'nobody@example.com'), 'No sign-ins match these filters.\n');
    assert.match(await ctl('admin-log', '--action', 'rotate-secret'), /^No administrator actions match these filters\.\n/);
  });

  it('an integration with no sync yet; --json keeps the empty list for scripts', async () => {
    const created = await c.admin('POST', '/admin/v1/integrations', { kind: 'csv', name: 'Sheet', platforms: ['macos'], config: {} });
    assert.equal(await ctl('integration', 'syncs', created.body.id), `No syncs or uploads yet for integration ${created.body.id}.\n`);
    assert.deepEqual(JSON.parse(await ctl('--json', 'apps')), { applications: [] });
    assert.deepEqual(JSON.parse(await ctl('users', '--json')).users, []);
  });

  it('a list with rows is still a table', async () => {
    await c.admin('POST', '/admin/v1/applications', { name: 'Wiki', redirectUris: ['https://wiki.example/cb'] });
    assert.match(await ctl('apps'), /^id\s+name\s+clientId\s+reasonDetail\n\S+\s+Wiki\s/);
  });
});
