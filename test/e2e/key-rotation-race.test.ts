import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { collectorOn, type CollectorOnDatabase } from '../support/collector-on.js';
import { DATABASES } from '../support/postgres.js';
import { describeUnless } from '../support/skip.js';

/**
 * An emergency rotation (a key may be compromised) must leave exactly one key published,
 * however many admins (or retries) press the button at once.
 */
for (const database of DATABASES) {
  describeUnless(database.skip)(`concurrent emergency key rotations (${database.name})`, () => {
    let c: CollectorOnDatabase;

    beforeAll(async () => {
      c = await collectorOn(database.name, { scheduler: false });
    });
    afterAll(async () => {
      await c?.close();
    });

    it('after 8 parallel rotations withdrawing the previous keys, the JWKS holds exactly one key', async () => {
      // The provider makes its first key on first use.
      assert.equal(((await (await fetch(`${c.url}/oidc/jwks`)).json()) as { keys: unknown[] }).keys.length, 1);
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => c.admin('POST', '/admin/v1/oidc/rotate-keys', { immediate: true, withdrawPrevious: true })),
      );
      for (const answer of answers) assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const keys = (await c.admin('GET', '/admin/v1/oidc/keys')).body.keys as { kid: string; state: string }[];
      assert.equal(keys.length, 1, JSON.stringify(keys));
      assert.equal(keys[0]?.state, 'active');
      const jwks = (await (await fetch(`${c.url}/oidc/jwks`)).json()) as { keys: { kid: string }[] };
      assert.deepEqual(
        jwks.keys.map((k) => k.kid),
        [keys[0]?.kid],
      );
      // Every key but the survivor was withdrawn by one of the rotations.
      const withdrawn = new Set(answers.flatMap((a) => a.body.withdrawn as string[]));
      assert.equal(withdrawn.size, 8);
      assert.ok(!withdrawn.has(keys[0]?.kid ?? ''));
    });
  });
}
