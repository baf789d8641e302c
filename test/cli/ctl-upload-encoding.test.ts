import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runBin } from '../support/bin.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../support/collector.js';

/**
 * devtrustctl read an upload as UTF-8 text, which turns bytes that are not UTF-8 into U+FFFD: a
 * Latin-1 CSV with owner "José" was stored as "Jos�" without a word. It now sends the file's
 * bytes, so the collector's INVALID_ENCODING refusal (and its "CSV UTF-8" advice) reaches the admin.
 */
describe('devtrustctl integration upload sends the file as it is', () => {
  let c: TestCollector;
  let dir: string;
  const ctl = (...args: string[]) => runBin('devtrustctl', args, { env: { DEVTRUST_URL: c.url, DEVTRUST_API_KEY: OWNER_TOKEN } });
  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
    dir = mkdtempSync(path.join(tmpdir(), 'devtrust-ctl-encoding-'));
  });
  afterAll(async () => {
    await c?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a Latin-1 CSV is refused with the collector's advice, and the inventory stays", async () => {
    const created = await c.admin('POST', '/admin/v1/integrations', { kind: 'csv', name: 'Latin', platforms: ['macos'], config: {} });
    const id = created.body.id as string;
    const utf8 = path.join(dir, 'utf8.csv');
    writeFileSync(utf8, 'serial_number,platform,owner\nC02KEEP1,macos,Ana\n');
    assert.equal((await ctl('integration', 'upload', id, utf8)).code, 0);

    // "José" in ISO-8859-1: é is the one byte 0xE9, which is not UTF-8.
    const latin1 = path.join(dir, 'latin1.csv');
    writeFileSync(
      latin1,
      Buffer.concat([Buffer.from('serial_number,platform,owner\nC02NEW01,macos,Jos'), Buffer.from([0xe9]), Buffer.from('\n')]),
    );
    const refused = await ctl('integration', 'upload', id, latin1);
    assert.equal(refused.code, 1, refused.stdout);
    assert.equal(refused.stdout, '');
    assert.match(
      refused.stderr,
      /^devtrustctl: 400 INVALID_ENCODING: the body is not valid UTF-8; send it as UTF-8 \(e\.g\. save the CSV as "CSV UTF-8"\)/,
    );

    assert.equal((await c.admin('GET', `/admin/v1/integrations/${id}`)).body.devices, 1);
    assert.equal((await c.admin('GET', `/admin/v1/integrations/${id}/identifiers/C02KEEP1`)).body.found, true);
    assert.equal((await c.admin('GET', `/admin/v1/integrations/${id}/identifiers/C02NEW01`)).body.found, false);
  });
});
