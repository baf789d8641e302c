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
      // Each answer names the key its own request made (only the last one made survives, by design).
      const created = answers.map((a) => a.body.created as string);
      assert.equal(new Set(created).size, 8, JSON.stringify(created));
      assert.ok(created.includes(keys[0]?.kid ?? ''));
      for (const kid of created) assert.ok(kid === keys[0]?.kid || withdrawn.has(kid));
    });

    it('parallel immediate rotations keep every key they made, and each answer names its own', async () => {
      // An attacker's finding: of 6 parallel immediate rotations, 1 to 5 answered keys were gone
      // afterwards (a rotation that read the time before making its RSA key dropped, as staged,
      // a key another rotation had committed and that already signed).
      const answers = await Promise.all(
        Array.from({ length: 6 }, () => c.admin('POST', '/admin/v1/oidc/rotate-keys', { immediate: true })),
      );
      for (const answer of answers) assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const created = answers.map((a) => a.body.created as string);
      assert.equal(new Set(created).size, 6, JSON.stringify(created));
      const keys = (await c.admin('GET', '/admin/v1/oidc/keys')).body.keys as { kid: string; state: string }[];
      for (const kid of created)
        assert.ok(
          keys.some((k) => k.kid === kid),
          `${kid} is kept: ${JSON.stringify(keys)}`,
        );
      assert.ok(created.includes(keys.find((k) => k.state === 'active')?.kid ?? ''));
    });
  });
}
