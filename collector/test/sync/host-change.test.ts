import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startTestCollector, type TestCollector } from '../../../test/support/collector.js';
import { createLogger } from '@devtrust/collector/log';
import { overrideVendorClientForTests } from '@devtrust/collector/sync/kit/vendor-client';
import { startLoopbackVendor, type LoopbackVendor, type Received } from '../vendors/loopback.js';
import { FAST_RETRY, syncAndWait } from './mdm/harness.js';
import { KIND_CASES, leakForms, type KindCase } from './support/kinds.js';

/**
 * Stored credentials are write-only, so an admin key must not be able to read them by
 * pointing the integration at a host it controls: a PATCH that changes any host-bearing
 * field (base, login, token or Graph URL) must carry the secrets again, or nothing changes.
 */
describe('changing where an integration sends its credentials', () => {
  let c: TestCollector;
  let restore: () => void;
  let adminKey: { id: string; name: string; key: string };
  const logLines: string[] = [];
  const vendors: LoopbackVendor[] = [];

  beforeAll(async () => {
    restore = overrideVendorClientForTests(FAST_RETRY);
    const log = createLogger('info', { write: (line: string) => void logLines.push(line) });
    c = await startTestCollector({ log, scheduler: false });
    adminKey = (await c.admin('POST', '/admin/v1/api-keys', { name: 'ops admin', role: 'admin' })).body;
  });
  afterAll(async () => {
    restore();
    await c.stop();
    await Promise.all(vendors.map((v) => v.close()));
  });

  const vendor = async () => {
    const v = await startLoopbackVendor('record');
    vendors.push(v);
    return v;
  };
  const asAdmin = (method: string, path: string, body?: unknown) => c.admin(method, path, body, { token: adminKey.key });

  /** Every credential-looking thing a request carried, decoded. */
  const carried = (requests: Received[]) =>
    requests
      .map((r) => {
        const auth = r.headers.authorization ?? '';
        const basic = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString('utf8') : '';
        return [auth, basic, String(r.headers['aw-tenant-code'] ?? ''), r.body, [...new URLSearchParams(r.body).values()].join(' ')].join(
          '\n',
        );
      })
      .join('\n');

  for (const k of KIND_CASES) {
    it(`${k.label}: a host change without the secrets is refused and sends them nowhere`, async () => {
      const [home, attacker] = [await vendor(), await vendor()];
      const stored = (field: string) => `stored-${k.label.replace(/\W+/g, '')}-${field}-0001`;
      const created = await c.admin('POST', '/admin/v1/integrations', {
        kind: k.kind,
        name: `${k.label} moved`,
        platforms: k.platforms,
        config: k.config(home.url, stored),
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = created.body.id as string;
      const moved = k.config(attacker.url, stored);
      const secretFields = Object.keys(k.secretFields);

      for (const field of k.hostFields) {
        const refused = await asAdmin('PATCH', `/admin/v1/integrations/${id}`, { config: { [field]: moved[field] } });
        assert.equal(refused.status, 400, `${field}: ${JSON.stringify(refused.body)}`);
        assert.equal(refused.body.error.code, 'CREDENTIALS_REQUIRED');
        assert.equal(refused.body.error.field, `config.${secretFields[0]}`);
        for (const secret of secretFields) assert.match(refused.body.error.message, new RegExp(`config\\.${secret}\\b`));
        assert.match(refused.body.error.message, new RegExp(`changing config\\.${field}\\b`));
      }
      // Giving only some of the secrets is not enough either.
      if (secretFields.length > 1) {
        const partial = await asAdmin('PATCH', `/admin/v1/integrations/${id}`, {
          config: { ...Object.fromEntries(k.hostFields.map((f) => [f, moved[f]])), [secretFields[0] as string]: 'new-value-0001' },
        });
        assert.equal(partial.status, 400);
        assert.equal(partial.body.error.field, `config.${secretFields[1]}`);
      }
      const unchanged = (await c.admin('GET', `/admin/v1/integrations/${id}`)).body.config;
      for (const field of k.hostFields) assert.equal(unchanged[field], k.config(home.url, stored)[field]);

      await c.admin('POST', `/admin/v1/integrations/${id}/test`);
      await syncAndWait(c, id);
      const leaked = carried(attacker.received);
      for (const field of secretFields) {
        for (const form of leakForms(stored(field))) assert.equal(leaked.includes(form), false, `${field} reached the new host`);
      }
      assert.equal(attacker.received.length, 0, 'nothing was sent to the new host');
      assert.ok(home.received.length > 0, 'the stored host is still used');
    });

    it(`${k.label}: with the secrets given again, the host change works and is logged with who did it`, async () => {
      const [home, next] = [await vendor(), await vendor()];
      const stored = (field: string) => `stored-${k.label.replace(/\W+/g, '')}-${field}-0002`;
      const fresh = (field: string) => `fresh-${k.label.replace(/\W+/g, '')}-${field}-0002`;
      const id = (
        await c.admin('POST', '/admin/v1/integrations', {
          kind: k.kind,
          name: `${k.label} moved properly`,
          platforms: k.platforms,
          config: k.config(home.url, stored),
        })
      ).body.id as string;
      const moved = k.config(next.url, fresh);
      const patch = Object.fromEntries([...k.hostFields, ...Object.keys(k.secretFields)].map((f) => [f, moved[f]]));
      const saved = await asAdmin('PATCH', `/admin/v1/integrations/${id}`, { config: patch });
      assert.equal(saved.status, 200, JSON.stringify(saved.body));
      for (const field of k.hostFields) assert.equal(saved.body.config[field], moved[field]);

      await c.admin('POST', `/admin/v1/integrations/${id}/test`);
      assert.ok(next.received.length > 0, 'the new host is used');
      const sent = carried(next.received);
      assert.ok(
        Object.keys(k.secretFields).some((f) => sent.includes(fresh(f))),
        'the re-entered credentials went to the new host',
      );
      for (const field of Object.keys(k.secretFields)) assert.equal(sent.includes(stored(field)), false, 'the old credentials did not');

      const line = logLines.map((l) => JSON.parse(l)).find((l) => l.msg?.startsWith('integration host changed') && l.integrationId === id);
      assert.ok(line, 'the host change was logged');
      assert.equal(line.apiKeyId, adminKey.id);
      assert.equal(line.apiKeyName, 'ops admin');
      assert.deepEqual(line.fields, k.hostFields);
    });
  }

  it('an unchanged host needs no secrets (the console sends every field back)', async () => {
    const k = KIND_CASES[0] as KindCase;
    const home = await vendor();
    const config = k.config(home.url, (f) => `kept-${f}-0003`);
    const id = (await c.admin('POST', '/admin/v1/integrations', { kind: k.kind, name: 'same host', platforms: k.platforms, config })).body
      .id;
    const same = await c.admin('PATCH', `/admin/v1/integrations/${id}`, {
      name: 'same host, renamed',
      config: { baseUrl: home.url, clientId: 'jamf-client' },
    });
    assert.equal(same.status, 200, JSON.stringify(same.body));
  });

  it('intune: falling back to the default login host counts as a host change', async () => {
    const k = KIND_CASES.find((x) => x.kind === 'intune') as KindCase;
    const home = await vendor();
    const id = (
      await c.admin('POST', '/admin/v1/integrations', {
        kind: k.kind,
        name: 'intune default',
        platforms: k.platforms,
        config: k.config(home.url, (f) => `kept-${f}-0004`),
      })
    ).body.id;
    const refused = await c.admin('PATCH', `/admin/v1/integrations/${id}`, { config: { loginUrl: null } });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.code, 'CREDENTIALS_REQUIRED');
  });

  it('refuses user names and passwords in every vendor URL, MDM and EDR alike', async () => {
    for (const k of KIND_CASES) {
      for (const field of k.hostFields) {
        const config = k.config('http://127.0.0.1:9', (f) => `userinfo-${f}-0005`);
        config[field] = 'https://admin:hunter2@vendor.example.com';
        const refused = await c.admin('POST', '/admin/v1/integrations', { kind: k.kind, name: 'userinfo', platforms: k.platforms, config });
        assert.equal(refused.status, 400, `${k.label}.${field}`);
        assert.equal(refused.body.error.field, `config.${field}`);
        assert.match(refused.body.error.message, /user name or password/);
        assert.equal(JSON.stringify(refused.body).includes('hunter2'), false);
      }
    }
  });
});
