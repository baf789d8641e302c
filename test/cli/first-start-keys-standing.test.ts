import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe } from 'vitest';
import { startTestCollector, type TestCollector } from '../support/collector.js';
import { DATABASES, freshPostgresDatabase } from '../support/postgres.js';
import { itUnless } from '../support/skip.js';

/** A collector on `database` that generated both keys at its first start, with the keys its file lists. */
async function withGeneratedKeys(
  database: 'sqlite' | 'postgres',
  run: (c: TestCollector, file: string, keys: { owner: string; enrollment: string }) => Promise<void>,
): Promise<void> {
  const postgres = database === 'postgres' ? await freshPostgresDatabase() : null;
  // No configured keys: the collector generates both and writes them to the file.
  const c = await startTestCollector({
    databaseUrl: postgres?.url ?? null,
    env: { DEVTRUST_BOOTSTRAP_TOKEN: '', DEVTRUST_ENROLLMENT_KEY: '' },
  });
  try {
    const file = path.join(c.dataDir, 'first-start-keys.txt');
    const first = readFileSync(file, 'utf8');
    const owner = /^ {2}(dtk_\S+)$/m.exec(first)?.[1];
    const enrollment = /^ {2}(dte_\S+)$/m.exec(first)?.[1];
    assert.ok(owner && enrollment, first);
    await run(c, file, { owner, enrollment });
  } finally {
    await c.stop();
    await postgres?.drop();
  }
}

/**
 * first-start-keys.txt went on showing the enrollment key after it was rotated, and the owner
 * key after it was revoked, as if they worked: a newcomer used them and got 401s. The file now
 * says which key stopped working, since when and what to do, without the dead key and without
 * ever the new one; once none of its keys works, it is removed.
 */
describe('first-start-keys.txt after its keys stop working', () => {
  for (const database of DATABASES) {
    itUnless(database.skip)(`marks a revoked owner key, then goes once the enrollment key is rotated (${database.name})`, async () => {
      await withGeneratedKeys(database.name, async (c, file, { owner, enrollment }) => {
        // Another owner key revokes the first one: the file says so, keeps the enrollment key.
        const second = await c.admin('POST', '/admin/v1/api-keys', { name: 'second owner', role: 'owner' }, { token: owner });
        assert.equal(second.status, 201);
        const secondKey = (second.body as { key: string }).key;
        const keys = (await c.admin('GET', '/admin/v1/api-keys', undefined, { token: secondKey })).body as {
          apiKeys: { id: string; name: string }[];
        };
        const firstOwner = keys.apiKeys.find((k) => k.name === 'first owner');
        assert.ok(firstOwner);
        assert.equal((await c.admin('DELETE', `/admin/v1/api-keys/${firstOwner.id}`, undefined, { token: secondKey })).status, 204);
        const revokedAt = (
          (await c.admin('GET', '/admin/v1/api-keys', undefined, { token: secondKey })).body as {
            apiKeys: { id: string; revokedAt: number }[];
          }
        ).apiKeys.find((k) => k.id === firstOwner.id)?.revokedAt;
        assert.ok(revokedAt);

        const marked = readFileSync(file, 'utf8');
        assert.ok(!marked.includes(owner), 'the revoked key is still offered');
        assert.ok(!marked.includes(secondKey), 'a new key was written to the file');
        assert.ok(
          marked.includes(
            `  NO LONGER WORKS: revoked ${new Date(revokedAt).toISOString()}. Use another owner key: \`devtrustctl keys\` lists them\n`,
          ),
          marked,
        );
        assert.match(marked, new RegExp(`^ {2}${enrollment}$`, 'm'), 'the enrollment key still works and is still listed');
        assert.equal(statSync(file).mode & 0o777, 0o600);
        assert.deepEqual(
          readdirSync(c.dataDir).filter((f) => f.startsWith('first-start-keys')),
          ['first-start-keys.txt'],
          'no temporary file is left beside it',
        );

        // Rotating the enrollment key leaves no key in the file that works: it is removed.
        const rotated = await c.admin('POST', '/admin/v1/enrollment-key', undefined, { token: secondKey });
        assert.equal(rotated.status, 201);
        assert.equal(existsSync(file), false, existsSync(file) ? readFileSync(file, 'utf8') : '');
      });
    });

    itUnless(database.skip)(`marks a rotated enrollment key while the owner key works (${database.name})`, async () => {
      await withGeneratedKeys(database.name, async (c, file, { owner, enrollment }) => {
        const rotated = await c.admin('POST', '/admin/v1/enrollment-key', undefined, { token: owner });
        assert.equal(rotated.status, 201);
        const newKey = (rotated.body as { enrollmentKey: string }).enrollmentKey;
        const log = (await c.admin('GET', '/admin/v1/admin-log?resourceType=enrollment-key&limit=1', undefined, { token: owner })).body as {
          entries: { at: number; action: string }[];
        };
        const latest = log.entries[0];
        assert.ok(latest?.action === 'rotate', JSON.stringify(log));

        const marked = readFileSync(file, 'utf8');
        assert.ok(!marked.includes(enrollment), 'the replaced key is still offered');
        assert.ok(!marked.includes(newKey), 'the new key was written to the file');
        assert.doesNotMatch(marked, /dte_/, "the README's `grep -o 'dte_[^ ]*'` finds nothing to use");
        assert.ok(
          marked.includes(
            `  NO LONGER WORKS: replaced by a newer enrollment key ${new Date(latest.at).toISOString()}. Agents enrolled already keep working; new agents need\n`,
          ),
          marked,
        );
        assert.match(marked, /devtrustctl enrollment-key rotate/);
        assert.match(marked, new RegExp(`^ {2}${owner}$`, 'm'), 'the owner key still works and is still listed');
        assert.equal(statSync(file).mode & 0o777, 0o600);
      });
    });

    itUnless(database.skip)(`marks at start-up an enrollment key replaced while the collector was stopped (${database.name})`, async () => {
      const postgres = database.name === 'postgres' ? await freshPostgresDatabase() : null;
      const dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-first-start-keys-'));
      const file = path.join(dataDir, 'first-start-keys.txt');
      const generated = { DEVTRUST_BOOTSTRAP_TOKEN: '', DEVTRUST_ENROLLMENT_KEY: '' };
      try {
        await (await startTestCollector({ dataDir, databaseUrl: postgres?.url ?? null, env: generated })).stop({ keepData: true });
        const enrollment = /^ {2}(dte_\S+)$/m.exec(readFileSync(file, 'utf8'))?.[1];
        assert.ok(enrollment);
        // DEVTRUST_ENROLLMENT_KEY replaces the generated key at the next start, which says so in the file.
        const configured = 'configured-enrollment-key-0001';
        const again = await startTestCollector({
          dataDir,
          databaseUrl: postgres?.url ?? null,
          env: { ...generated, DEVTRUST_ENROLLMENT_KEY: configured },
        });
        await again.stop({ keepData: true });
        const marked = readFileSync(file, 'utf8');
        assert.ok(!marked.includes(enrollment) && !marked.includes(configured), marked);
        assert.match(marked, /^ {2}NO LONGER WORKS: replaced by a newer enrollment key \d{4}-\d\d-\d\dT/m);
        assert.match(marked, /^ {2}dtk_\S+$/m, 'the owner key still works and is still listed');
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
        await postgres?.drop();
      }
    });
  }
});
