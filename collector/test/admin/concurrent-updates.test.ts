import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../../../test/support/collector.js';
import { DATABASES, freshPostgresDatabase } from '../../../test/support/postgres.js';
import { describeUnless } from '../../../test/support/skip.js';

const ROUNDS = 20;

/** Partial changes to different fields, sent at once: each must survive the others. */
const POLICY_CHANGES: Record<string, unknown>[] = [
  { blockCompromised: true },
  { requireFirewall: true },
  { requireDiskEncryption: true },
  { edrUnknown: 'deny' },
  { trustedEndpoints: 'require-trusted' },
  { minOsVersion: { windows: '10.0.19045' } },
  { requireAssurance: 'mdm_asserted' },
];
const POLICY_DEFAULTS = {
  trustedEndpoints: 'allow-all',
  blockCompromised: false,
  edrUnknown: 'allow',
  requireDiskEncryption: false,
  requireFirewall: false,
  minOsVersion: {},
  maxReportAgeHours: 72,
  requireHardwareKey: false,
  requireAssurance: 'identifiers',
};

for (const db of DATABASES) {
  describeUnless(db.skip)(`concurrent admin changes lose nothing (${db.name})`, () => {
    let c: TestCollector;
    let drop: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      let databaseUrl: string | null = null;
      if (db.name === 'postgres') {
        const fresh = await freshPostgresDatabase();
        databaseUrl = fresh.url;
        drop = fresh.drop;
      }
      c = await startTestCollector({ databaseUrl, scheduler: false });
    });
    afterAll(async () => {
      await c.stop();
      await drop?.();
    });

    it(`${ROUNDS} rounds of concurrent partial PUT /admin/v1/policy keep every change`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        assert.equal((await c.admin('PUT', '/admin/v1/policy', POLICY_DEFAULTS)).status, 200);
        const answers = await Promise.all(POLICY_CHANGES.map((change) => c.admin('PUT', '/admin/v1/policy', change)));
        for (const [i, answer] of answers.entries()) {
          assert.equal(answer.status, 200, JSON.stringify(answer.body));
          assert.deepEqual({ ...answer.body, ...POLICY_CHANGES[i] }, answer.body, `round ${round}: answer ${i} lacks its own change`);
        }
        const stored = (await c.admin('GET', '/admin/v1/policy')).body;
        assert.deepEqual(stored, Object.assign({}, POLICY_DEFAULTS, ...POLICY_CHANGES), `round ${round}: a change was lost`);
      }
    });

    it(`${ROUNDS} rounds of concurrent application PATCHes to different fields keep every change`, async () => {
      const created = await c.admin('POST', '/admin/v1/applications', { name: 'Race', redirectUris: ['https://race.example/cb'] });
      assert.equal(created.status, 201);
      const path = `/admin/v1/applications/${created.body.id}`;
      for (let round = 0; round < ROUNDS; round++) {
        const reset = await c.admin('PATCH', path, {
          name: 'Race',
          redirectUris: ['https://race.example/cb'],
          policy: { blockCompromised: null, requireFirewall: null, requireDiskEncryption: null, edrUnknown: null },
        });
        assert.equal(reset.status, 200);
        assert.deepEqual(reset.body.policy, {});
        const patches: Record<string, unknown>[] = [
          { name: `Race ${round}` },
          { redirectUris: [`https://race.example/cb/${round}`] },
          { policy: { blockCompromised: true } },
          { policy: { requireFirewall: true } },
          { policy: { requireDiskEncryption: true } },
          { policy: { edrUnknown: 'deny' } },
        ];
        const answers = await Promise.all(patches.map((patch) => c.admin('PATCH', path, patch)));
        for (const answer of answers) assert.equal(answer.status, 200, JSON.stringify(answer.body));
        const stored = (await c.admin('GET', path)).body;
        assert.equal(stored.name, `Race ${round}`, `round ${round}: the name change was lost`);
        assert.deepEqual(stored.redirectUris, [`https://race.example/cb/${round}`], `round ${round}: the redirect URI change was lost`);
        assert.deepEqual(
          stored.policy,
          { blockCompromised: true, requireFirewall: true, requireDiskEncryption: true, edrUnknown: 'deny' },
          `round ${round}: a policy override was lost`,
        );
      }
    });

    it('two owners revoking each other at once leave exactly one owner, 10 rounds', async () => {
      let survivor = OWNER_TOKEN;
      let reader = OWNER_TOKEN;
      const activeOwners = async () =>
        (await c.admin('GET', '/admin/v1/api-keys', undefined, { token: reader })).body.apiKeys.filter(
          (k: { role: string; revokedAt: number | null }) => k.role === 'owner' && k.revokedAt === null,
        );
      for (let round = 0; round < 10; round++) {
        const mint = async (name: string) => {
          const created = await c.admin('POST', '/admin/v1/api-keys', { name, role: 'owner' }, { token: survivor });
          assert.equal(created.status, 201, JSON.stringify(created.body));
          return created.body as { id: string; key: string };
        };
        const a = await mint(`owner-a-${round}`);
        const b = await mint(`owner-b-${round}`);
        reader = a.key;
        // Leave exactly the two new owners.
        for (const key of await activeOwners()) {
          if (key.id !== a.id && key.id !== b.id) {
            assert.equal((await c.admin('DELETE', `/admin/v1/api-keys/${key.id}`, undefined, { token: a.key })).status, 204);
          }
        }
        assert.equal((await activeOwners()).length, 2);
        const [byA, byB] = await Promise.all([
          c.admin('DELETE', `/admin/v1/api-keys/${b.id}`, undefined, { token: a.key }),
          c.admin('DELETE', `/admin/v1/api-keys/${a.id}`, undefined, { token: b.key }),
        ]);
        reader = byA.status === 204 ? a.key : b.key;
        const owners = await activeOwners();
        assert.equal(owners.length, 1, `round ${round}: ${owners.length} owners left (answers ${byA.status}, ${byB.status})`);
        // One revocation went through; the other was refused as the last owner, or because its own key was gone by then.
        assert.equal([byA, byB].filter((r) => r.status === 204).length, 1, `round ${round}: answers ${byA.status}, ${byB.status}`);
        const refused = byA.status === 204 ? byB : byA;
        assert.ok((refused.status === 409 && refused.body.error.code === 'LAST_OWNER') || refused.status === 401, JSON.stringify(refused));
        survivor = owners[0].id === a.id ? a.key : b.key;
      }
      // And alone, the last owner cannot revoke itself.
      const [last] = await activeOwners();
      const self = await c.admin('DELETE', `/admin/v1/api-keys/${last.id}`, undefined, { token: survivor });
      assert.equal(self.status, 409);
      assert.equal(self.body.error.code, 'LAST_OWNER');
    });
  });
}
