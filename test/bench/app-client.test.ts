import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { AppClient } from '../../bench/lib/admin.js';
import { startTestCollector } from '../support/collector.js';

// The decision group registers an application for its quiet decisions and another for those
// during a sync, on one database; when names became unique by what they read as, the second
// registration was refused (409) and the group measured nothing. Each client registers its own.
describe('bench application clients', () => {
  it('registers several applications on one collector, each opening its own transactions', async () => {
    const collector = await startTestCollector();
    const clients: AppClient[] = [];
    try {
      const policy = { trustedEndpoints: 'require-trusted', blockCompromised: false };
      for (let i = 0; i < 3; i++) clients.push(await AppClient.create(collector.url, policy));
      const listed = await collector.admin('GET', '/admin/v1/applications');
      assert.equal(listed.status, 200);
      const names = (listed.body.applications as { name: string }[]).map((a) => a.name);
      assert.equal(new Set(names).size, 3);
      for (const client of clients) {
        const id = await client.open('alice@example.com');
        const read = await client.read(id);
        assert.equal(read.id, id);
      }
    } finally {
      for (const client of clients) client.close();
      await collector.stop();
    }
  });
});
