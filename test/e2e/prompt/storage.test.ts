import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { describeUnless } from '../../support/skip.js';
import { OidcAdapter } from '@devtrust/collector/oidc/adapter';
import { OidcKeyStore, RETIRED_KEY_KEEP_MS, arrangeSigningKeys } from '@devtrust/collector/services/oidc-keys';
import { OidcStorage } from '@devtrust/collector/services/oidc-storage';
import { Store } from '@devtrust/collector/store/store';
import { DATABASES, freshPostgresDatabase } from '../../support/postgres.js';

const MINUTE = 60_000;

describe('signing keys: which one signs when (pure)', () => {
  const keys = [
    { kid: 'a', activatesAt: 1_000 },
    { kid: 'b', activatesAt: 5_000 },
    { kid: 'c', activatesAt: 9_000 },
  ];
  const at = (now: number) => arrangeSigningKeys(keys, now).map(({ row, state }) => `${row.kid}:${state}`);

  it('the latest activated key signs, later ones are next, earlier ones retired; signer first', () => {
    assert.deepEqual(at(6_000), ['b:active', 'c:next', 'a:retired']);
    assert.deepEqual(at(9_000), ['c:active', 'b:retired', 'a:retired']);
  });
  it('before any key has activated, the earliest one signs', () => {
    assert.deepEqual(at(0), ['a:active', 'c:next', 'b:next']);
  });
});

for (const db of DATABASES)
  describeUnless(db.skip)(`OIDC storage (${db.name})`, () => {
    let store: Store;
    let cleanup = async (): Promise<void> => undefined;
    const masterKey = randomBytes(32);

    beforeAll(async () => {
      if (db.name === 'postgres') {
        const pg = await freshPostgresDatabase();
        store = await Store.open({ databaseUrl: pg.url, dataDir: '' });
        cleanup = pg.drop;
      } else {
        const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-oidc-'));
        store = await Store.open({ databaseUrl: null, dataDir: dir });
        cleanup = async () => rmSync(dir, { recursive: true, force: true });
      }
    });
    afterAll(async () => {
      await store.close();
      await cleanup();
    });

    it('the adapter keeps payloads by model and id, with their lookup columns', async () => {
      const sessions = new OidcAdapter(new OidcStorage(store), 'Session');
      const codes = new OidcAdapter(new OidcStorage(store), 'AuthorizationCode');
      await sessions.upsert('s1', { uid: 'u1', accountId: 'alice' }, 60);
      await codes.upsert('c1', { grantId: 'g1', accountId: 'alice' }, 60);
      await codes.upsert('c2', { grantId: 'g1', accountId: 'alice' }, 60);
      await new OidcAdapter(new OidcStorage(store), 'DeviceCode').upsert('d1', { userCode: 'ABCD-EFGH', grantId: 'g2' }, 60);

      assert.equal((await sessions.find('s1'))?.accountId, 'alice');
      assert.equal((await sessions.findByUid('u1'))?.accountId, 'alice');
      assert.equal(await codes.find('s1'), undefined, 'another model does not see the row');
      assert.equal((await new OidcAdapter(new OidcStorage(store), 'DeviceCode').findByUserCode('ABCD-EFGH'))?.grantId, 'g2');

      await sessions.upsert('s1', { uid: 'u1', accountId: 'bob' }, 60);
      assert.equal((await sessions.find('s1'))?.accountId, 'bob', 'upsert replaces');
    });

    it('a consumed code says when; revoking a grant removes everything issued under it', async () => {
      const codes = new OidcAdapter(new OidcStorage(store), 'AuthorizationCode');
      assert.equal((await codes.find('c1'))?.consumed, undefined);
      await codes.consume('c1');
      assert.ok(typeof (await codes.find('c1'))?.consumed === 'number');
      await codes.revokeByGrantId('g1');
      assert.equal(await codes.find('c1'), undefined);
      assert.equal(await codes.find('c2'), undefined);
      await codes.upsert('c3', { grantId: 'g3' }, 60);
      await codes.destroy('c3');
      assert.equal(await codes.find('c3'), undefined);
    });

    it('an expired payload is not found', async () => {
      const interactions = new OidcAdapter(new OidcStorage(store), 'Interaction');
      await interactions.upsert('i1', { uid: 'i1' }, 60);
      await store
        .knex('oidc_payloads')
        .where({ model: 'Interaction', id: 'i1' })
        .update({ expires_at: Date.now() - 1 });
      assert.equal(await interactions.find('i1'), undefined);
    });

    it('keys are made once, kept sealed, and a rotation publishes the next key before it signs', async () => {
      const keys = new OidcKeyStore(store.oidcKeys, masterKey);
      const first = await keys.load();
      const again = await keys.load();
      assert.equal(first.signing.length, 1);
      assert.equal(again.signing[0]?.kid, first.signing[0]?.kid);
      assert.deepEqual(again.cookies, first.cookies);
      const row = await store.knex('oidc_keys').where({ kid: first.signing[0]?.kid }).first();
      assert.doesNotMatch(row.private_sealed as string, /"d"/, 'the private key is stored sealed');
      await assert.rejects(new OidcKeyStore(store.oidcKeys, randomBytes(32)).load(), 'another master key cannot unseal it');

      const now = Date.now();
      const { keys: staged } = await keys.rotate(10 * MINUTE, now);
      assert.deepEqual(
        staged.map((k) => k.state),
        ['active', 'next'],
      );
      assert.equal(staged[0]?.kid, first.signing[0]?.kid);
      const later = await keys.load(now + 11 * MINUTE);
      assert.equal(later.signing[0]?.kid, staged[1]?.kid, 'the next key signs once its time has come');
      assert.notEqual(later.version, (await keys.load(now)).version, 'and running providers see the change');

      // A key replaced longer ago than the retention period leaves the JWKS at the next rotation.
      const farFuture = now + 11 * MINUTE + RETIRED_KEY_KEEP_MS + MINUTE;
      const { keys: pruned } = await keys.rotate(0, farFuture);
      assert.deepEqual(
        pruned.map((k) => k.state),
        ['active', 'retired'],
      );
      assert.ok(!pruned.some((k) => k.kid === first.signing[0]?.kid));
    });
  });
