import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterAll, it } from 'vitest';
import { DEFAULT_KEY_ACTIVATION_DELAY_MS, OidcKeyStore } from '@devtrust/collector/services/oidc-keys';
import { DATABASES } from '../../../test/support/postgres.js';
import { describeUnless } from '../../../test/support/skip.js';
import { testStores } from '../support/test-store.js';

/**
 * Which key signs after rotations, over time (`now` given): an immediate rotation is the one
 * an admin means now, so a key staged before it (published, not yet signing) must not take
 * over when its activation time comes (a newcomer's finding: the immediate key was retired ten
 * minutes later by an older staged one).
 */
for (const db of DATABASES) {
  describeUnless(db.skip)(`OIDC signing key rotations over time on ${db.name}`, () => {
    const stores = testStores(db.name, 'oidc-rotation');
    afterAll(() => stores.close());

    it('an immediate rotation supersedes a key staged before it', async () => {
      const { store, close } = await stores.open();
      try {
        const keys = new OidcKeyStore(store.oidcKeys, randomBytes(32));
        // An hour ahead: the times given are the ones that count (a rotation takes effect at the
        // later of the time asked and the clock when it commits).
        const t0 = Date.now() + 3_600_000;
        await keys.load(t0);
        const [first] = await keys.list(t0);
        const staged = (await keys.rotate(DEFAULT_KEY_ACTIVATION_DELAY_MS, t0)).keys.find((k) => k.state === 'next');
        assert.ok(staged);
        const immediate = (await keys.rotate(0, t0 + 1_000)).keys.find((k) => k.state === 'active');
        assert.ok(immediate);
        assert.notEqual(immediate.kid, first?.kid);
        // Past the staged key's activation time the immediate key still signs, and the staged one,
        // which never signed anything, is gone from the set; the first stays to verify what it signed.
        const later = await keys.list(t0 + DEFAULT_KEY_ACTIVATION_DELAY_MS + 60_000);
        assert.equal(later.find((k) => k.state === 'active')?.kid, immediate.kid);
        assert.deepEqual(later.map((k) => k.kid).sort(), [first?.kid, immediate.kid].sort());
        // A staged rotation after it is staged as usual, after the key signing now.
        const next = (await keys.rotate(DEFAULT_KEY_ACTIVATION_DELAY_MS, t0 + 2_000)).keys.find((k) => k.state === 'next');
        assert.ok(next);
        assert.equal((await keys.list(t0 + 3_000)).find((k) => k.state === 'active')?.kid, immediate.kid);
      } finally {
        await close();
      }
    });

    it('an immediate rotation asked for earlier but committed later keeps the key another one made signing meanwhile', async () => {
      const { store, close } = await stores.open();
      try {
        const keys = new OidcKeyStore(store.oidcKeys, randomBytes(32));
        // Admin A asks at t0 and makes its RSA key; admin B asks at t0 + 300 and commits first. B's
        // key signs from t0 + 300, in the past by the time A commits (now): A must not drop it as
        // staged (an attacker's finding: parallel immediate rotations lost keys that had signed).
        const t0 = Date.now() - 1_000;
        await keys.load(t0);
        const b = await keys.rotate(0, t0 + 300);
        const a = await keys.rotate(0, t0);
        const kids = (await keys.list()).map((k) => k.kid);
        assert.ok(kids.includes(b.created.kid), `B's key ${b.created.kid} is kept: ${kids.join(', ')}`);
        assert.ok(kids.includes(a.created.kid));
        // A's key takes effect when A commits, so it is the one signing now, after B's.
        assert.ok(a.created.activatesAt >= b.created.activatesAt);
        assert.equal((await keys.list()).find((k) => k.state === 'active')?.kid, a.created.kid);
      } finally {
        await close();
      }
    });
  });
}
