import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import type { Store } from '@devtrust/collector/store/store';
import { dbFaultKind, discardsConnection, isTransientDbFault } from '@devtrust/collector/store/db-errors';
import { describeUnless } from '../../../test/support/skip.js';
import { POSTGRES_SKIP } from '../../../test/support/postgres.js';
import { openTestStore } from '../support/test-store.js';

/**
 * A statement binding more than PostgreSQL's 65,535 parameters: node-postgres sends the count
 * wrapped to 16 bits and the server answers 08P01 (protocol_violation). Class 08 is otherwise a
 * failed connection, an outage (503 DATABASE_UNAVAILABLE); this one is a statement our code built
 * wrong, the request's own fault (500 INTERNAL), and the server stays usable.
 */
describeUnless(POSTGRES_SKIP)('a statement past PostgreSQL’s bound-parameter limit (postgres)', () => {
  let store: Store;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ store, close } = await openTestStore('postgres', 'too-many-parameters'));
  });
  afterAll(async () => close?.());

  it('is not an outage: 08P01 is no database fault to retry, and the pool answers after it', async () => {
    const values = Array.from({ length: 68_400 }, (_, i) => `v${i}`);
    const error = await store
      .knex('endpoints')
      .whereIn('id', values)
      .select('id')
      .then(
        () => null,
        (e: unknown) => e,
      );
    assert.ok(error, 'the statement is refused');
    assert.equal((error as { code?: string }).code, '08P01', String(error).slice(0, 300));
    assert.equal(dbFaultKind(error), 'other');
    assert.equal(isTransientDbFault(error), false);
    assert.equal(discardsConnection(error), true);
    // The rest of class 08 is still a failed connection.
    assert.equal(dbFaultKind(Object.assign(new Error('connection failure'), { code: '08006' })), 'unreachable');
    assert.deepEqual(await store.knex('endpoints').select('id').limit(1), []);
  });
});
