import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sqlite3 from 'sqlite3';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { inlineLimits, remainingBindings } from '@devtrust/collector/store/inline-limits';

/**
 * The rewritten statement, run with the bindings left, must answer what the statement as
 * written answers with all of them: on a real SQLite file, for text where a `?` is not a
 * placeholder to SQLite (a comment, a [bracketed] name) or where placeholders are numbered or
 * named, so counting `?` alone would pair a LIMIT with another binding's value.
 */
describe('LIMITs written into SQLite statements answer as the bound statement does', () => {
  let dir: string;
  let db: sqlite3.Database;
  // Straight on the driver, as store/direct-reads.ts runs a compiled read: SQLite alone says what a placeholder is.
  const all = (sql: string, params: unknown[] = []): Promise<unknown[]> =>
    new Promise((resolve, reject) =>
      db.all(sql, params, (error: Error | null, rows: unknown[]) => (error ? reject(error) : resolve(rows))),
    );

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'devtrust-inline-limits-'));
    db = await new Promise<sqlite3.Database>((resolve, reject) => {
      const opened = new sqlite3.Database(path.join(dir, 'limits.sqlite'), (error) => (error ? reject(error) : resolve(opened)));
    });
    await all('create table t (id integer primary key, a text, "b?" text)');
    for (let id = 1; id <= 9; id++) await all('insert into t values (?, ?, ?)', [id, 'x', `b${id}`]);
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => db.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  const ids = async (sql: string, bindings: unknown[]): Promise<number[]> =>
    ((await all(sql, bindings)) as Array<{ id: number }>).map((row) => row.id);

  /** Runs both; `inlines` says whether the LIMIT is to be written in (false: left bound, the statement as written). */
  async function sameAnswer(sql: string, bindings: unknown[], inlines = true): Promise<void> {
    const expected = await ids(sql, bindings);
    const inlined = inlineLimits(sql, bindings);
    assert.equal(inlined !== null, inlines, sql);
    if (inlined === null) return;
    const rest = remainingBindings(bindings, inlined.limits);
    assert.ok(rest, sql);
    assert.deepEqual(await ids(inlined.sql, rest), expected, `${sql}\n→ ${inlined.sql}`);
  }

  it('skips a ? in a -- comment or a /* comment */', async () => {
    await sameAnswer('select id from t where a = ? /* ? */ order by id limit ? offset ?', ['x', 2, 1]);
    await sameAnswer('select id from t where a = ? -- why: a ? here\n order by id limit ? offset ?', ['x', 2, 1]);
    await sameAnswer("select id from t where a = ? -- it's\n order by id limit ? offset ?", ['x', 2, 1]);
    // A comment ending in `limit ` is not a LIMIT clause.
    await sameAnswer('select id from t where id > /* no limit */ ? order by id limit ?', [3, 2]);
    await sameAnswer('select id from t where id > -- no limit\n ? order by id limit ?', [3, 2]);
    await sameAnswer('select id from t where id > ? order by id limit /* five */ ?', [3, 2]);
    assert.equal(inlineLimits('select id from t where id > -- no limit\n ?', [3]), null);
  });

  it('skips a ? in a [bracketed] name', async () => {
    await sameAnswer('select id, [b?] from t where a = ? order by id limit ? offset ?', ['x', 2, 1]);
  });

  it('leaves numbered and named placeholders bound', async () => {
    await sameAnswer('select id from t where a = ?1 order by id limit ? offset ?', ['x', 2, 1], false);
    await sameAnswer('select id from t where id > :a order by id limit ? offset ?', [3, 2, 1], false);
    await sameAnswer('select id from t where id > @a order by id limit ? offset ?', [3, 2, 1], false);
    await sameAnswer('select id from t where id > $a order by id limit ? offset ?', [3, 2, 1], false);
    // Not placeholders: inside a string, or a `$` within a name.
    await sameAnswer("select id from t where a <> ':a @b $c ?1' and id > ? order by id limit ?", [3, 2]);
  });

  it('still writes in a plain LIMIT, with only its value as digits', async () => {
    await sameAnswer('select id from t where a = ? order by id limit ? offset ?', ['x', 2, 1]);
    assert.equal(inlineLimits('select id from t limit ?', [-0])?.sql, 'select id from t limit 0');
    for (const value of [
      1e21,
      Number.MAX_SAFE_INTEGER + 2,
      Number.NaN,
      Infinity,
      '1; drop table t',
      2n,
      true,
      null,
      [3],
      { toString: () => '3' },
    ])
      assert.equal(inlineLimits('select id from t limit ?', [value]), null, String(value));
  });
});
