import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { displaySafeString, deviceIdentitySchema } from '@devtrust/shared/identity';
import { reportSchema, unsafeTransactionField } from '@devtrust/shared/protocol';

describe('display text inside signed agent messages', () => {
  it('refuses control and bidi characters but never rewrites the text (the signature covers it as sent)', () => {
    assert.equal(displaySafeString(64).parse(' LAPTOP-ALICE '), ' LAPTOP-ALICE ');
    const refused = displaySafeString(64).safeParse('LAPTOP-\u202eEXE');
    assert.equal(refused.success, false);
    assert.match(refused.error?.issues[0]?.message ?? '', /U\+202E/);
    assert.equal(deviceIdentitySchema.safeParse({ hostname: 'a\u2066b' }).success, false);
    assert.equal(reportSchema.safeParse({ agentVersion: '1', collectedAt: 'now', identity: {}, user: 'alice\r' }).success, false);
  });

  it('names the first unsafe field of a describe answer', () => {
    assert.equal(unsafeTransactionField({ application: 'Payroll', username: 'alice@example.com' }), null);
    assert.deepEqual(unsafeTransactionField({ application: 'Pay\u200froll', username: 'alice' }), {
      field: 'application',
      character: 'U+200F',
    });
    assert.deepEqual(unsafeTransactionField({ application: 'Payroll', username: 'a\nb' }), { field: 'username', character: 'U+000A' });
  });
});
