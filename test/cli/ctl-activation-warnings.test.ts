import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runBin } from '../support/bin.js';
import { csvInventory } from '../support/app.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../support/collector.js';

/**
 * `devtrustctl integration activate --mode test-groups --groups eng-team` for a group no known
 * user is in said nothing, and the integration applied to no one. It now warns on stderr, naming
 * the known group that differs only by spaces or punctuation, and still exits 0: the change is made.
 */
describe('devtrustctl integration activate: a group no known user is in', () => {
  let c: TestCollector;
  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
  });
  afterAll(() => c?.stop());

  it('is warned about on stderr, exit 0', async () => {
    const id = await csvInventory(c, 'serial_number\nSN-1\n');
    assert.equal((await c.admin('PUT', '/admin/v1/users/alice', { groups: ['Eng Team'] })).status, 200);
    const r = await runBin('devtrustctl', ['integration', 'activate', id, '--mode', 'test-groups', '--groups', 'eng-team'], {
      env: { DEVTRUST_URL: c.url, DEVTRUST_API_KEY: OWNER_TOKEN },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, 'devtrustctl: warning: no user is in "eng-team"; "Eng Team" has 1 user\n');
  });
});
