import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { Store } from '@devtrust/collector/store/store';
import type { AdminActor } from '@devtrust/collector/domain/admin-log';
import { openTestStore } from '../support/test-store.js';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES } from '../../../test/support/postgres.js';

const ACTOR: AdminActor = { kind: 'api-key', keyId: 'key_1', keyName: 'ops', address: '::1', userAgent: 'x'.repeat(600) };

for (const db of DATABASES) {
  describeUnless(db.skip)(`admin log storage on ${db.name}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ store, close } = await openTestStore(db.name, 'admin-log'));
    });
    afterAll(async () => {
      await close();
    });

    it('a change and its entry commit together, and roll back together (a repository transaction nested inside included)', async () => {
      await store.transaction(async (tx) => {
        await tx.settings.update('globalPolicy', () => '{"blockCompromised":true}');
        await tx.adminLog.append(ACTOR, { resourceType: 'policy', resourceId: 'global', action: 'update' });
      });
      assert.equal(await store.settings.get('globalPolicy'), '{"blockCompromised":true}');
      assert.equal((await store.adminLog.query({ limit: 10 })).total, 1);

      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.settings.update('globalPolicy', () => '{"blockCompromised":false}');
          await tx.adminLog.append(ACTOR, { resourceType: 'policy', resourceId: 'global', action: 'update' });
          throw new Error('the change fails after both writes');
        }),
        /the change fails/,
      );
      assert.equal(await store.settings.get('globalPolicy'), '{"blockCompromised":true}');
      assert.equal((await store.adminLog.query({ limit: 10 })).total, 1);
    });

    it('keeps long values within their columns and reads the entry back whole', async () => {
      const { entries } = await store.adminLog.query({ limit: 1 });
      const entry = entries[0];
      assert.ok(entry);
      assert.equal(entry.actor.userAgent?.length, 512);
      assert.deepEqual([entry.actor.kind, entry.actor.keyId, entry.actor.keyName, entry.actor.address], ['api-key', 'key_1', 'ops', '::1']);
      assert.deepEqual([entry.before, entry.after, entry.changed], [null, null, []]);
    });

    it('pages newest first: a page of exactly `limit` left has no next page', async () => {
      for (let i = 0; i < 4; i++) {
        await store.adminLog.append(
          ACTOR,
          { resourceType: 'user', resourceId: `u${i}`, action: 'create', after: { username: `u${i}`, groups: [] } },
          1_000 + i,
        );
      }
      const first = await store.adminLog.query({ resourceType: 'user', limit: 2 });
      assert.deepEqual(
        first.entries.map((e) => e.resourceId),
        ['u3', 'u2'],
      );
      assert.equal(first.total, 4);
      assert.ok(first.nextBeforeId !== null);
      const second = await store.adminLog.query({ resourceType: 'user', limit: 2, beforeId: first.nextBeforeId });
      assert.deepEqual(
        second.entries.map((e) => e.resourceId),
        ['u1', 'u0'],
      );
      assert.equal(second.nextBeforeId, null);
      assert.deepEqual(second.entries[0]?.changed, ['groups', 'username']);
      const window = await store.adminLog.query({ resourceType: 'user', since: 1_001, until: 1_003, limit: 10 });
      assert.deepEqual(
        window.entries.map((e) => e.resourceId),
        ['u2', 'u1'],
      );
      assert.equal(await store.adminLog.purgeBefore(1_002), 2);
      assert.equal((await store.adminLog.query({ resourceType: 'user', limit: 10 })).total, 2);
    });
  });
}
