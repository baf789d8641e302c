import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { inlineLimits, remainingBindings } from '@devtrust/collector/store/inline-limits';

describe('bound LIMITs written into a SQLite statement', () => {
  it('writes in each `limit ?` and says which bindings they were', () => {
    const sql =
      'select * from (select * from a where x = ? limit ?) as l0 union all select * from (select * from b where y = ? limit ?) as l1';
    const inlined = inlineLimits(sql, ['x', 5, 'y', 5]);
    assert.equal(
      inlined?.sql,
      'select * from (select * from a where x = ? limit 5) as l0 union all select * from (select * from b where y = ? limit 5) as l1',
    );
    assert.deepEqual(
      [...(inlined?.limits ?? [])],
      [
        [1, 5],
        [3, 5],
      ],
    );
    assert.deepEqual(remainingBindings(['x', 5, 'y', 5], inlined?.limits ?? new Map()), ['x', 'y']);
  });

  it('counts placeholders as SQLite does, skipping quoted text', () => {
    const sql = 'select `a?` from t where s = \'limit ?\' and u = "?" and v = ? limit ?';
    const inlined = inlineLimits(sql, ['v', 1]);
    assert.equal(inlined?.sql, 'select `a?` from t where s = \'limit ?\' and u = "?" and v = ? limit 1');
    assert.deepEqual([...(inlined?.limits ?? [])], [[1, 1]]);
    // A doubled quote inside a string is still inside it.
    assert.equal(
      inlineLimits("select * from t where s = 'it''s ? here' and v = ? limit ?", ['v', 2])?.sql,
      "select * from t where s = 'it''s ? here' and v = ? limit 2",
    );
  });

  it('leaves statements alone that bind no number to a LIMIT', () => {
    assert.equal(inlineLimits('select * from t where id = ?', ['a']), null);
    assert.equal(inlineLimits('select * from t limit ?', ['1']), null);
    assert.equal(inlineLimits('select * from t limit ?', [1.5]), null);
    assert.equal(inlineLimits('select * from t limit ?', [-1]), null);
    assert.equal(inlineLimits('select * from t where unlimit = ?', [3]), null);
    assert.equal(inlineLimits('select * from t limit ? offset ?', [10, 20])?.sql, 'select * from t limit 10 offset ?');
  });

  it('refuses a caller whose LIMIT is not the one written in', () => {
    const { limits } = inlineLimits('select * from t where id = ? limit ?', ['a', 1]) ?? { limits: new Map() };
    assert.deepEqual(remainingBindings(['b', 1], limits), ['b']);
    assert.equal(remainingBindings(['b', 2], limits), null);
  });
});
