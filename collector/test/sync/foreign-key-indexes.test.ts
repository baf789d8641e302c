import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { it } from 'vitest';
import type { Knex } from 'knex';
import { Store } from '@devtrust/collector/store/store';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES, freshPostgresDatabase } from '../../../test/support/postgres.js';

/**
 * Every foreign key of the migrated schema has an index leading with its columns. Without
 * one, deleting a parent row scans the whole child table (for the cascade, or for the
 * check): deleting an old inventory generation did that once per record, for minutes.
 * The check reads the live schema, so a table added later is held to it too.
 */
type ForeignKey = { table: string; columns: string[] };

async function sqliteUnindexed(knex: Knex): Promise<ForeignKey[]> {
  const tables = (await knex('sqlite_master').where({ type: 'table' }).whereNot('name', 'like', 'sqlite_%').pluck('name')) as string[];
  const missing: ForeignKey[] = [];
  for (const table of tables) {
    const fks = (await knex.raw(`pragma foreign_key_list("${table}")`)) as { id: number; seq: number; from: string }[];
    const byId = new Map<number, string[]>();
    for (const fk of [...fks].sort((a, b) => a.seq - b.seq)) byId.set(fk.id, [...(byId.get(fk.id) ?? []), fk.from]);
    const indexes = (await knex.raw(`pragma index_list("${table}")`)) as { name: string }[];
    const leading: string[][] = [];
    for (const index of indexes) {
      const cols = (await knex.raw(`pragma index_info("${index.name}")`)) as { seqno: number; name: string }[];
      leading.push([...cols].sort((a, b) => a.seqno - b.seqno).map((c) => c.name));
    }
    for (const columns of byId.values()) {
      if (!leading.some((idx) => columns.every((col, i) => idx[i] === col))) missing.push({ table, columns });
    }
  }
  return missing;
}

async function postgresUnindexed(knex: Knex): Promise<ForeignKey[]> {
  const { rows } = (await knex.raw(`
    select c.conrelid::regclass::text as "table",
           array(select a.attname from unnest(c.conkey) with ordinality k(n, o)
                 join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n order by k.o)::text[] as columns,
           exists (select 1 from pg_index i
                   where i.indrelid = c.conrelid
                     and (i.indkey::int2[])[0:cardinality(c.conkey) - 1] = c.conkey) as indexed
    from pg_constraint c
    where c.contype = 'f' and c.connamespace = 'public'::regnamespace`)) as { rows: (ForeignKey & { indexed: boolean })[] };
  return rows.filter((r) => !r.indexed).map(({ table, columns }) => ({ table, columns }));
}

for (const db of DATABASES) {
  describeUnless(db.skip)(`foreign keys on ${db.name}`, () => {
    it('every foreign key has an index leading with its columns', async () => {
      let store: Store;
      let cleanup: () => Promise<void>;
      if (db.name === 'postgres') {
        const pg = await freshPostgresDatabase();
        store = await Store.open({ databaseUrl: pg.url, dataDir: tmpdir() });
        cleanup = pg.drop;
      } else {
        const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-fk-'));
        store = await Store.open({ databaseUrl: null, dataDir: dir });
        cleanup = async () => rmSync(dir, { recursive: true, force: true });
      }
      try {
        const missing = db.name === 'postgres' ? await postgresUnindexed(store.knex) : await sqliteUnindexed(store.knex);
        assert.deepEqual(missing, [], 'foreign keys without an index');
        // The check itself finds foreign keys (it is not vacuously empty).
        const total =
          db.name === 'postgres'
            ? Number(
                ((await store.knex.raw(`select count(*) as n from pg_constraint where contype = 'f'`)) as { rows: { n: string }[] }).rows[0]
                  ?.n,
              )
            : ((await store.knex.raw(`pragma foreign_key_list("inventory_macs")`)) as unknown[]).length;
        assert.ok(total > 0);
      } finally {
        await store.close();
        await cleanup();
      }
    });
  });
}
