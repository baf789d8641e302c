import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { isSqlite } from './dialect.js';
import { directReadsOf, type CompiledRead } from './direct-reads.js';
import { inlineLimits, remainingBindings } from './inline-limits.js';

/**
 * A compiled statement; `limits`: on SQLite, the LIMITs written into its text rather than
 * bound (store/inline-limits.ts), by the index of the caller's binding.
 */
type Compiled = CompiledRead & { sql: string; limits: ReadonlyMap<number, number> | null };

/** Compiled statements by dialect and shape; a few dozen shapes at most, bounded anyway. */
const compiled = new Map<string, Compiled>();
const MAX_SHAPES = 256;
/** Part of every prepared statement's name: a new one after the schema changed under them. */
let generation = 0;

/** PostgreSQL's "cached plan must not change result type" (feature_not_supported). */
function replanned(error: unknown): boolean {
  const { code, message } = error as { code?: string; message?: string };
  return code === '0A000' && /cached plan must not change result type/i.test(message ?? '');
}

/**
 * Runs a select the attestation path runs for every decision, compiled by knex once per
 * shape instead of once per call (building and compiling a query costs more CPU than SQLite
 * takes to run it), and on PostgreSQL as a named prepared statement (parsed and planned once
 * per connection). `shape` names everything the statement's text depends on; `bindings` are
 * the values in the order the built query binds them. The first call of a shape runs the
 * built query and keeps its text only if its own bindings are exactly `bindings`, so a shape
 * whose bindings are given in another order is never cached, only slower.
 */
export async function selectCompiled<Row>(
  db: Knex,
  shape: string,
  build: () => Knex.QueryBuilder,
  bindings: readonly unknown[],
): Promise<Row[]> {
  const sqlite = isSqlite(db);
  const key = `${sqlite ? 'sqlite' : 'postgres'}\u0000${shape}`;
  const known = compiled.get(key);
  // A caller's LIMIT other than the one written into the statement: the built query, uncached.
  const values = known && (known.limits ? remainingBindings(bindings, known.limits) : bindings);
  if (known && values) {
    try {
      // Outside a transaction, straight on the driver (store/direct-reads.ts); inside one, through knex on its connection.
      const direct = directReadsOf(db);
      if (direct) return await direct.select<Row>(known, values);
      const raw = db.raw(known.sql, values as Knex.RawBinding[]);
      const result = (await (sqlite ? raw : raw.options({ name: known.name }))) as Row[] | { rows: Row[] };
      return Array.isArray(result) ? result : result.rows;
    } catch (error) {
      if (!replanned(error)) throw error;
      // Another collector migrated the schema (a column added): PostgreSQL refuses a statement
      // prepared before, as its rows changed shape. Prepare everything again, under new names.
      generation += 1;
      compiled.clear();
      return (await build()) as Row[];
    }
  }
  const query = build();
  const built = query.toSQL();
  const { sql, bindings: own } = built;
  if (own.length === bindings.length && own.every((value, i) => value === bindings[i])) {
    if (compiled.size >= MAX_SHAPES) compiled.clear();
    const name = `devtrust_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}_${generation}`;
    const inlined = sqlite ? inlineLimits(sql, bindings) : null;
    compiled.set(
      key,
      inlined
        ? { sql: inlined.sql, name, native: inlined.sql, limits: inlined.limits }
        : { sql, name, native: built.toNative().sql, limits: null },
    );
  }
  return (await query) as Row[];
}
