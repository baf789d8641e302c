import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { isoInstant, readInstant } from '@devtrust/collector/domain/instant';

/** How an admin's window dates are read (the admin API and devtrustctl alike): the same in every zone. */
describe('an instant as an admin gives it', () => {
  it('a date alone is midnight UTC; a date and time is read in the zone it names', () => {
    const midnight = Date.UTC(2026, 11, 1);
    assert.deepEqual(readInstant('2026-12-01'), { ms: midnight });
    assert.deepEqual(readInstant('2026-12-01T01:00Z'), { ms: midnight + 3_600_000 });
    assert.deepEqual(readInstant('2026-12-01t01:00:00z'), { ms: midnight + 3_600_000 });
    assert.deepEqual(readInstant('2026-12-01 01:00:00Z'), { ms: midnight + 3_600_000 });
    assert.deepEqual(readInstant('2026-12-01T01:00:00.250+01:00'), { ms: midnight + 250 });
    assert.deepEqual(readInstant('2026-11-30T19:00:00-0500'), { ms: midnight });
    assert.deepEqual(readInstant(String(midnight)), { ms: midnight });
    assert.equal(isoInstant(midnight), '2026-12-01T00:00:00Z');
    assert.equal(isoInstant(midnight + 250), '2026-12-01T00:00:00.250Z');
  });

  it('a date and time without a zone is refused as such, not read in the local zone', () => {
    for (const value of ['2026-12-01T01:00', '2026-12-01T01:00:00', '2026-12-01 01:00:00.5'])
      assert.deepEqual(readInstant(value), { error: 'no-zone' }, value);
  });

  it('anything else is invalid, days that do not exist included', () => {
    for (const value of [
      'yesterday',
      '12/01/2026',
      'Tue Dec 01 2026',
      '2026-02-30',
      '2026-02-30T01:00Z',
      '2026-12-01T25:00Z',
      '1969-12-31',
      '',
      '-1',
      '99999999999999999999',
      '2026-12-01T01:00+1',
    ])
      assert.deepEqual(readInstant(value), { error: 'invalid' }, value);
  });
});
