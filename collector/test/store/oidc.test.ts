import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import type { DeviceTrustClaim } from '@devtrust/collector/domain/device-trust';
import { Store } from '@devtrust/collector/store/store';
import { DATABASES } from '../../../test/support/postgres.js';
import { openTestStore } from '../support/test-store.js';
import { describeUnless } from '../../../test/support/skip.js';

const claim: DeviceTrustClaim = {
  verdict: 'trusted',
  access: 'allow',
  reasons: ['trusted: serial number'],
  endpointId: 'ep_1',
  transactionId: 'tx_1',
};

// The OIDC side keeps its records through repositories, on both databases.
for (const db of DATABASES) {
  describeUnless(db.skip)(`OIDC repositories on ${db.name}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ store, close } = await openTestStore(db.name, 'oidc-repos'));
    });
    afterAll(async () => {
      await close();
    });

    it('keeps the device_trust claim per grant, and revoking the grant removes it with the codes', async () => {
      await store.oidcDeviceTrust.save('grant-1', claim, Date.now() + 60_000);
      await store.oidcPayloads.upsert({
        model: 'AuthorizationCode',
        id: 'code-1',
        payload: { grantId: 'grant-1' },
        grantId: 'grant-1',
        uid: null,
        userCode: null,
        expiresAt: Date.now() + 60_000,
      });
      assert.deepEqual(await store.oidcDeviceTrust.forGrant('grant-1'), claim);
      assert.equal(await store.oidcDeviceTrust.forGrant('grant-2'), null);
      await store.oidcPayloads.revokeByGrantId('grant-1');
      assert.equal(await store.oidcDeviceTrust.forGrant('grant-1'), null);
      assert.equal(await store.oidcPayloads.find('AuthorizationCode', { id: 'code-1' }), null);
    });

    it('remembers which transaction a prompt waits on until it expires or is forgotten', async () => {
      await store.oidcPrompts.save('uid-1', 'tx_9', Date.now() + 60_000);
      await store.oidcPrompts.save('uid-2', 'tx_10', Date.now() - 1);
      assert.equal(await store.oidcPrompts.transactionIdOf('uid-1'), 'tx_9');
      assert.equal(await store.oidcPrompts.transactionIdOf('uid-2'), null, 'an expired prompt is gone');
      await store.oidcPrompts.forget('uid-1');
      assert.equal(await store.oidcPrompts.transactionIdOf('uid-1'), null);
    });

    it('lists, adds and removes provider keys by use', async () => {
      const key = (kid: string, use: 'sig' | 'cookie') => ({
        kid,
        use,
        alg: use === 'sig' ? 'RS256' : 'HS256',
        publicJwk: null,
        privateSealed: `sealed-${kid}`,
        createdAt: 1_000,
        activatesAt: 2_000,
      });
      await store.oidcKeys.add(key('k-sig', 'sig'));
      await store.oidcKeys.add(key('k-cookie', 'cookie'));
      assert.deepEqual((await store.oidcKeys.list()).map((k) => `${k.kid}:${k.use}:${k.activatesAt}`).sort(), [
        'k-cookie:cookie:2000',
        'k-sig:sig:2000',
      ]);
      assert.equal(await store.oidcKeys.remove('sig', ['k-cookie']), 0, 'a cookie key is not removed as a signing key');
      assert.equal(await store.oidcKeys.remove('sig', ['k-sig']), 1);
      assert.deepEqual(
        (await store.oidcKeys.list()).map((k) => k.kid),
        ['k-cookie'],
      );
    });
  });
}
