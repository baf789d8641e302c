import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startTestCollector, type TestCollector } from '../../../test/support/collector.js';
import { createLogger } from '@devtrust/collector/log';
import { overrideVendorClientForTests } from '@devtrust/collector/sync/kit/vendor-client';
import { startLoopbackVendor, type LoopbackVendor } from '../vendors/loopback.js';
import { FAST_RETRY, syncAndWait } from './mdm/harness.js';
import { KIND_CASES, leakForms, trickySecret } from './support/kinds.js';

/**
 * A vendor that echoes the credentials it received (raw, JSON-escaped, \u-escaped, in a
 * JSON string inside JSON, in plain text, with Basic decoded and form fields decoded) in
 * its error bodies. Secrets hold quotes, backslashes, percent-encodings, '+', '/', and
 * non-ASCII: the old scrubber removed the raw value from the raw body, then decoding the
 * JSON un-escaped the echo back into the raw secret, into the test result, lastSync.error
 * (readable by a read-only key), findings, logs and sync_runs.
 */
describe('a vendor echoing credentials in every encoding leaks none of them', () => {
  let c: TestCollector;
  let vendor: LoopbackVendor;
  let restore: () => void;
  let readOnlyKey: string;
  const logLines: string[] = [];
  const answers: string[] = [];
  const forms = new Map<string, string>(); // leak form → which secret

  beforeAll(async () => {
    restore = overrideVendorClientForTests(FAST_RETRY);
    const log = createLogger('debug', { write: (line: string) => void logLines.push(line) });
    c = await startTestCollector({ log, scheduler: false });
    vendor = await startLoopbackVendor('echo');
    const key = await c.admin('POST', '/admin/v1/api-keys', { name: 'auditor', role: 'read-only' });
    readOnlyKey = key.body.key;
  });
  afterAll(async () => {
    restore();
    await c.stop();
    await vendor.close();
  });

  const record = (response: { status: number; body: any }) => {
    answers.push(JSON.stringify(response.body));
    return response;
  };

  it('tests and syncs every kind against the echoing vendor', async () => {
    for (const k of KIND_CASES) {
      const seed = k.label.replace(/\W+/g, '');
      const secret = (field: string) => trickySecret(`${seed}-${field}`, k.secretFields[field] ?? 'body');
      const config = k.config(vendor.url, secret);
      for (const field of Object.keys(k.secretFields)) {
        const basic = k.basicUser?.(config);
        for (const form of leakForms(secret(field), basic?.field === field ? basic : undefined)) forms.set(form, `${k.label}.${field}`);
      }
      const created = record(
        await c.admin('POST', '/admin/v1/integrations', { kind: k.kind, name: `${k.label} echo`, platforms: k.platforms, config }),
      );
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = created.body.id as string;
      for (let round = 0; round < 3; round++) {
        const tested = record(await c.admin('POST', `/admin/v1/integrations/${id}/test`));
        assert.equal(tested.status, 200);
        assert.equal(tested.body.ok, false);
        const run = await syncAndWait(c, id);
        answers.push(JSON.stringify(run));
        assert.equal(run.status, 'failed');
      }
      record(await c.admin('GET', `/admin/v1/integrations/${id}`));
      record(await c.admin('GET', `/admin/v1/integrations/${id}`, undefined, { token: readOnlyKey }));
      record(await c.admin('GET', `/admin/v1/integrations/${id}/syncs`, undefined, { token: readOnlyKey }));
    }
    record(await c.admin('GET', '/admin/v1/integrations', undefined, { token: readOnlyKey }));
    record(await c.admin('GET', '/admin/v1/findings', undefined, { token: readOnlyKey }));
    assert.ok(vendor.received.length >= KIND_CASES.length * 6, 'the vendor was called');
    assert.ok(
      answers.some((a) => a.includes('[redacted]')),
      'echoed credentials were scrubbed, not just absent',
    );
    assert.ok(
      logLines.some((l) => l.includes('sync failed')),
      'the failed syncs were logged',
    );
  });

  it('finds no form of any credential in answers, run history or logs', async () => {
    const rows = await c.store.knex('sync_runs').select('error');
    const places: [string, string][] = [
      ['an API answer', answers.join('\n')],
      ['a sync_runs row', rows.map((r: { error: string | null }) => r.error ?? '').join('\n')],
      ['a log line', logLines.join('\n')],
    ];
    for (const [where, text] of places) {
      for (const [form, which] of forms)
        assert.equal(text.includes(form), false, `${which} leaked into ${where} as ${JSON.stringify(form)}`);
    }
  });
});
