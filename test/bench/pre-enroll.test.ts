import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { it } from 'vitest';
import { generateDeviceKey } from '@devtrust/shared/crypto';
import { Store } from '@devtrust/collector/store/store';
import { preEnroll } from '../../bench/lib/targets.js';
import { DATABASES, freshPostgresDatabase } from '../support/postgres.js';
import { describeUnless } from '../support/skip.js';

/** Every column of an endpoint row but those that differ between two enrolments (who, when). */
function enrolledShape(row: Record<string, unknown>): Record<string, unknown> {
  const { id, public_key, enrolled_at, last_seen_at, last_seen_hour, ...rest } = row;
  assert.equal(typeof id, 'string');
  assert.equal(typeof public_key, 'string');
  assert.equal(Number(enrolled_at), Number(last_seen_at));
  assert.ok(Number(last_seen_hour) <= Number(last_seen_at));
  return rest;
}

// The bench writes its pre-enrolled endpoints in bulk rows (set-up); they must be what the
// channel's enroll (EndpointsRepo.enroll) stores, or the sessions figures measure other endpoints.
for (const db of DATABASES) {
  describeUnless(db.skip)(`bench pre-enrolment (${db.name})`, () => {
    it('stores the endpoint rows the channel enroll stores, each with its key', async () => {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-bench-pre-enroll-'));
      const pg = db.name === 'postgres' ? await freshPostgresDatabase() : null;
      try {
        const target = { kind: db.name, dataDir, databaseUrl: pg?.url ?? null };
        // More than one INSERT's worth of rows.
        const enrolled = await preEnroll(target, 1_203);
        assert.equal(enrolled.length, 1_203);
        assert.equal(new Set(enrolled.map((e) => e.endpointId)).size, 1_203);

        const store = await Store.open({ databaseUrl: target.databaseUrl, dataDir });
        try {
          const byRepo = await store.endpoints.enroll(generateDeviceKey().publicKey);
          const rows = (await store.knex('endpoints').select('*')) as Record<string, unknown>[];
          assert.equal(rows.length, 1_204);
          const repoRow = rows.find((r) => r.id === byRepo.id) as Record<string, unknown>;
          for (const one of [enrolled[0], enrolled[600], enrolled[1_202]]) {
            const row = rows.find((r) => r.id === one?.endpointId) as Record<string, unknown>;
            assert.equal(row.public_key, one?.keys.publicKey);
            assert.deepEqual(enrolledShape(row), enrolledShape(repoRow));
            // The repository reads it back as an enrolled endpoint with that key.
            const endpoint = await store.endpoints.get(one?.endpointId as string);
            assert.equal(endpoint?.publicKey, one?.keys.publicKey);
          }
        } finally {
          await store.close();
        }
      } finally {
        await pg?.drop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
}
