import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { DEFAULT_POLICY, InvalidStoredPolicy, parseStoredPolicy } from '@devtrust/collector/domain/policy';
import { startTestCollector, type TestCollector } from '../../../test/support/collector.js';

describe('the stored global policy is parsed, never cast', () => {
  it('nothing stored is the default; rules added since it was stored take their default', () => {
    assert.deepEqual(parseStoredPolicy(null), DEFAULT_POLICY);
    assert.deepEqual(parseStoredPolicy(JSON.stringify({ trustedEndpoints: 'require-trusted' })), {
      ...DEFAULT_POLICY,
      trustedEndpoints: 'require-trusted',
    });
  });

  it('a value that breaks a rule, or is not a JSON object, is an error naming what is wrong', () => {
    assert.throws(
      () => parseStoredPolicy('{"trustedEndpoints":"sometimes"}'),
      (e: unknown) => {
        assert.ok(e instanceof InvalidStoredPolicy);
        assert.match(e.message, /trustedEndpoints/);
        return true;
      },
    );
    assert.throws(() => parseStoredPolicy('{"minOsVersion":{"windows":"latest"}}'), /minOsVersion\.windows/);
    assert.throws(() => parseStoredPolicy('not json'), /not JSON/);
    assert.throws(() => parseStoredPolicy('[]'), /not an object/);
  });
});

describe('a corrupt stored global policy through the admin API', () => {
  let c: TestCollector;
  beforeAll(async () => {
    c = await startTestCollector();
  });
  afterAll(async () => {
    await c.stop();
  });

  it('reading it is a 500 that names the broken rule, not a policy with a value no verdict understands', async () => {
    // A row written by hand, a bad restore or an old bug: the API would never store it.
    await c.store.knex('settings').insert({ key: 'global_policy', value: JSON.stringify({ ...DEFAULT_POLICY, requireFirewall: 'yes' }) });
    const read = await c.admin('GET', '/admin/v1/policy');
    assert.equal(read.status, 500);
    assert.equal(read.body.error.code, 'STORED_POLICY_INVALID');
    assert.match(read.body.error.message, /requireFirewall/);

    const put = await c.admin('PUT', '/admin/v1/policy', { blockCompromised: true });
    assert.equal(put.status, 500);
    assert.equal(put.body.error.code, 'STORED_POLICY_INVALID');
    const row = await c.store.knex('settings').where({ key: 'global_policy' }).first('value');
    assert.match(row.value as string, /"requireFirewall":"yes"/, 'a failed update leaves the row as it was');
  });
});
