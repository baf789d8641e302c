import type { Knex } from 'knex';
import { applicationNameKey, type ApplicationRef, type LookAlikeApplication } from '../domain/application-name.js';
import { isUniqueViolation } from './db-errors.js';

interface NameRow {
  id: string;
  name: string;
  name_key: string | null;
}

/** The unique index on the name key, as isUniqueViolation recognises it on either database. */
export const NAME_INDEX = { name: 'applications_name_key', columns: 'applications.name_key' };

const byAge = [
  { column: 'created_at', order: 'asc' },
  { column: 'id', order: 'asc' },
] as const;

/**
 * Each application's wanted key, oldest first: the key of what its name reads as, or null for a
 * later look-alike (returned with the older application it reads as) or a name reading as nothing.
 */
function byReading(rows: NameRow[]): { wanted: { row: NameRow; key: string | null }[]; lookAlikes: LookAlikeApplication[] } {
  const holders = new Map<string, ApplicationRef>();
  const lookAlikes: LookAlikeApplication[] = [];
  const wanted: { row: NameRow; key: string | null }[] = [];
  for (const row of rows) {
    const key = applicationNameKey(row.name);
    const holder = key === null ? undefined : holders.get(key);
    if (key === null || holder) {
      lookAlikes.push({ id: row.id, name: row.name, readsAs: holder ?? null });
      wanted.push({ row, key: null });
    } else {
      holders.set(key, { id: row.id, name: row.name });
      wanted.push({ row, key });
    }
  }
  return { wanted, lookAlikes };
}

const nameRows = async (db: Knex): Promise<NameRow[]> =>
  (await db('applications')
    .select('id', 'name', 'name_key')
    .orderBy([...byAge])) as NameRow[];

/** The applications whose names read as an older one's (the findings list them), without writing. */
export async function lookAlikeApplications(db: Knex): Promise<LookAlikeApplication[]> {
  return byReading(await nameRows(db)).lookAlikes;
}

/**
 * Gives every application the key of what its name reads as (domain/application-name.ts), run
 * by Store.open after migrating, on every start, and after an application is renamed or deleted
 * (a look-alike of it may hold a name no other reads as now): databases from before names were compared hold
 * no keys (20261208100000), and a rule that grows changes them. Of names that read the same, the
 * oldest application keeps the key; each later one holds NULL (the unique index ignores it) and is
 * returned, for the collector to name until an admin renames or deletes it. Applications are few
 * (one per protected app): reading them all each start costs one query.
 */
export async function keyApplicationNames(db: Knex): Promise<LookAlikeApplication[]> {
  const { wanted, lookAlikes } = byReading(await nameRows(db));
  // Every key that changes is cleared before any is set, so a key moving from one application to
  // another (the rule grew, or the older look-alike was renamed) never meets itself in the index.
  for (const { row } of wanted.filter((w) => w.key !== w.row.name_key && w.row.name_key !== null))
    await db('applications').where({ id: row.id }).update({ name_key: null });
  for (const { row, key } of wanted) {
    if (key === null || key === row.name_key) continue;
    try {
      await db('applications').where({ id: row.id }).update({ name_key: key });
    } catch (error) {
      // An application created meanwhile (another collector serving) took it: this one is the later.
      if (!isUniqueViolation(error, NAME_INDEX)) throw error;
      const holder = (await db('applications').where({ name_key: key }).first('id', 'name')) as ApplicationRef | undefined;
      lookAlikes.push({ id: row.id, name: row.name, readsAs: holder ?? null });
    }
  }
  return lookAlikes;
}
