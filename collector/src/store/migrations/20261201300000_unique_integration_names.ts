import { createHash } from 'node:crypto';
import type { Knex } from 'knex';

// Frozen. Integration names are unique without regard to case ("Corporate laptops" and
// "corporate LAPTOPS" read as one in reasons, the console and the auth log). The key is
// folded here, not by the database (SQLite's lower() folds ASCII only), and stored as a
// SHA-256: folding can make a name far longer than an index entry may be.
const fold = (name: string): string => name.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ');
const keyOf = (name: string): string => createHash('sha256').update(fold(name)).digest('hex');

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('integrations', (t) => {
    t.string('name_key', 64);
  });
  // Duplicates from before: the oldest keeps its name, each later one gets " (2)", " (3)", …
  // (the first suffix free), so nothing is deleted and an admin sees which one to rename.
  const rows = (await knex('integrations')
    .select('id', 'name')
    .orderBy([
      { column: 'created_at', order: 'asc' },
      { column: 'id', order: 'asc' },
    ])) as { id: string; name: string }[];
  const taken = new Set(rows.map((r) => fold(r.name)));
  const kept = new Set<string>();
  for (const row of rows) {
    let name = row.name;
    // A suffixed name must not take the name of a later row either; names hold 200 characters.
    for (let n = 2; kept.has(fold(name)) || (name !== row.name && taken.has(fold(name))); n++) name = `${row.name.slice(0, 190)} (${n})`;
    kept.add(fold(name));
    await knex('integrations')
      .where({ id: row.id })
      .update({ name, name_key: keyOf(name) });
  }
  await knex.schema.alterTable('integrations', (t) => {
    t.unique(['name_key'], { indexName: 'integrations_name_key' });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('integrations', (t) => t.dropUnique(['name_key'], 'integrations_name_key'));
  await knex.schema.alterTable('integrations', (t) => t.dropColumn('name_key'));
}
