import assert from 'node:assert/strict';
import { describe } from 'vitest';
import { csvInventory } from '../../../test/support/app.js';
import { startTestCollector } from '../../../test/support/collector.js';
import { DATABASES, freshPostgresDatabase } from '../../../test/support/postgres.js';
import { itUnless } from '../../../test/support/skip.js';

/**
 * Activating an integration for a test group no known user is in was accepted without a word,
 * so it applied to no one and looked as if nothing happened. The answer now carries a warning
 * naming the group (and a known group that differs only by spaces or punctuation); the change is
 * made all the same. Groups compare as activation compares them: without case.
 */
describe('admin API: activation for a group no known user is in is saved with a warning', () => {
  for (const database of DATABASES) {
    itUnless(database.skip)(`names the group and the one it may have meant (${database.name})`, async () => {
      const postgres = database.name === 'postgres' ? await freshPostgresDatabase() : null;
      const c = await startTestCollector({ databaseUrl: postgres?.url ?? null });
      try {
        const id = await csvInventory(c, 'serial_number\nSN-1\n');
        assert.equal((await c.admin('PUT', '/admin/v1/users/alice', { groups: ['Eng Team'] })).status, 200);
        assert.equal((await c.admin('PUT', '/admin/v1/users/bob', { groups: ['Eng Team', 'Sales'] })).status, 200);
        const activate = (body: unknown) => c.admin('PUT', `/admin/v1/integrations/${id}/activation`, body);

        const warned = await activate({ mode: 'test-groups', groups: ['eng-team', 'Nobody', 'sales'] });
        assert.equal(warned.status, 200, JSON.stringify(warned.body));
        assert.deepEqual(warned.body.warnings, [
          'no user is in "eng-team"; "Eng Team" has 2 users',
          'no user is in "Nobody": the integration applies to no one in it until users are put in the group (devtrustctl groups lists the groups users are in)',
        ]);
        // Saved all the same.
        assert.deepEqual((warned.body.activation as { groups: string[] }).groups, ['eng-team', 'Nobody', 'sales']);
        const stored = await c.admin('GET', `/admin/v1/integrations/${id}`);
        assert.deepEqual((stored.body.activation as { groups: string[] }).groups, ['eng-team', 'Nobody', 'sales']);

        // Groups every one of which has users (compared without case), or no groups: no warning.
        const quiet = await activate({ mode: 'test-groups', groups: ['eng team', 'Sales'] });
        assert.equal(quiet.status, 200);
        assert.equal('warnings' in quiet.body, false, JSON.stringify(quiet.body));
        const all = await activate({ mode: 'all-users' });
        assert.equal(all.status, 200);
        assert.equal('warnings' in all.body, false);
      } finally {
        await c.stop();
        await postgres?.drop();
      }
    });
  }
});
