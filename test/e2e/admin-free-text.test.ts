import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { createTestApp, csvInventory, type TestApp } from '../support/app.js';
import { collectorOn, type CollectorOnDatabase } from '../support/collector-on.js';
import { DATABASES } from '../support/postgres.js';
import { describeUnless } from '../support/skip.js';

/**
 * Free text one admin writes and other admins read (integration names and a CSV integration's
 * description, application names, API key names) is display text: shown by devtrustctl in a
 * terminal and by the console, so an escape sequence there could clear another admin's screen or
 * retitle the window, a BEL ring, and a bidi override make a name read as another. Each is refused
 * with 400 INVALID_REQUEST naming the field; ordinary names in any script pass.
 */
const UNSAFE: [text: string, character: string][] = [
  ['Jamf \u001b[2J\u001b]0;owned\u0007', 'U+001B'],
  ['Jamf\u0007', 'U+0007'],
  ['Jamf \u202eexe.vsc', 'U+202E'],
];
const READABLE = ['Inventaire Zürich – équipe Ærø', '東京オフィスの端末', '서울 지사', 'Ελληνικά'];

function assertRefused(response: { status: number; body: any }, field: string, character: string): void {
  assert.equal(response.status, 400, JSON.stringify(response.body));
  assert.equal(response.body.error.code, 'INVALID_REQUEST');
  assert.equal(response.body.error.field, field);
  assert.ok(String(response.body.error.message).includes(character), `${response.body.error.message} names ${character}`);
}

for (const database of DATABASES) {
  describeUnless(database.skip)(`admin free text shown to other admins is display text (${database.name})`, () => {
    let c: CollectorOnDatabase;
    let app: TestApp;
    let integrationId: string;
    const admin = (method: string, path: string, body?: unknown) => c.admin(method, path, body);

    beforeAll(async () => {
      c = await collectorOn(database.name, { scheduler: false });
      app = await createTestApp(c, { trustedEndpoints: 'require-trusted' }, 'Payroll');
      integrationId = await csvInventory(c, 'serial_number\nKEEP-ME\n');
    });
    afterAll(async () => {
      await c?.close();
    });

    it('ESC, BEL and a bidi override are refused in each, with the field named, and nothing is stored', async () => {
      const before = JSON.stringify(
        await Promise.all(['/admin/v1/integrations', '/admin/v1/applications'].map(async (p) => (await admin('GET', p)).body)),
      );
      const keysBefore = (await admin('GET', '/admin/v1/api-keys')).body.apiKeys.length;
      for (const [text, character] of UNSAFE) {
        const csv = (config: Record<string, unknown>, name = 'Uploads') => ({ kind: 'csv', name, platforms: ['windows'], config });
        assertRefused(await admin('POST', '/admin/v1/integrations', csv({ description: text })), 'config.description', character);
        assertRefused(
          await admin('PATCH', `/admin/v1/integrations/${integrationId}`, { config: { description: text } }),
          'config.description',
          character,
        );
        assertRefused(await admin('POST', '/admin/v1/integrations', csv({}, text)), 'name', character);
        assertRefused(await admin('PATCH', `/admin/v1/integrations/${integrationId}`, { name: text }), 'name', character);
        assertRefused(
          await admin('POST', '/admin/v1/applications', { name: text, redirectUris: ['https://app.example/cb'] }),
          'name',
          character,
        );
        assertRefused(await admin('PATCH', `/admin/v1/applications/${app.id}`, { name: text }), 'name', character);
        assertRefused(await admin('POST', '/admin/v1/api-keys', { name: text, role: 'read-only' }), 'name', character);
      }
      const after = JSON.stringify(
        await Promise.all(['/admin/v1/integrations', '/admin/v1/applications'].map(async (p) => (await admin('GET', p)).body)),
      );
      assert.equal(after, before, 'a refused request changed stored data');
      assert.equal((await admin('GET', '/admin/v1/api-keys')).body.apiKeys.length, keysBefore);
    });

    it('a joiner or variation selector after a Latin letter is refused in user, integration and API key names', async () => {
      // An attacker made users `alice`, `alice` + U+200D, U+200C, U+FE0F and U+E0100: five that
      // read the same, and names drive group activation and appear in logs.
      for (const [suffix, character] of [
        ['\u200d', 'U+200D'],
        ['\u200c', 'U+200C'],
        ['\ufe0f', 'U+FE0F'],
        ['\u{e0100}', 'U+E0100'],
      ] as const) {
        const name = `alice${suffix}`;
        const user = await admin('PUT', `/admin/v1/users/${encodeURIComponent(name)}`, { groups: [] });
        assert.equal(user.status, 400, JSON.stringify(user.body));
        assert.ok(String(user.body.error.message).includes(character), user.body.error.message);
        assertRefused(
          await admin('POST', '/admin/v1/integrations', { kind: 'csv', name, platforms: ['windows'], config: {} }),
          'name',
          character,
        );
        assertRefused(await admin('POST', '/admin/v1/api-keys', { name, role: 'read-only' }), 'name', character);
      }
      // An emoji ZWJ sequence still passes.
      assert.equal((await admin('PUT', `/admin/v1/users/${encodeURIComponent('alice 👩\u200d💻')}`, { groups: [] })).status, 200);
    });

    it('names and descriptions with accents and CJK are accepted and kept as written', async () => {
      for (const text of READABLE) {
        const created = await admin('POST', '/admin/v1/integrations', {
          kind: 'csv',
          name: text,
          platforms: ['windows'],
          config: { description: `${text}: exportiert vom Team Ünïcödé` },
        });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const read = await admin('GET', `/admin/v1/integrations/${created.body.id}`);
        assert.equal(read.body.name, text);
        assert.equal(read.body.config.description, `${text}: exportiert vom Team Ünïcödé`);
        const patched = await admin('PATCH', `/admin/v1/integrations/${created.body.id}`, { config: { description: text } });
        assert.equal(patched.status, 200, JSON.stringify(patched.body));

        const application = await admin('POST', '/admin/v1/applications', { name: text, redirectUris: ['https://app.example/cb'] });
        assert.equal(application.status, 201, JSON.stringify(application.body));
        assert.equal(application.body.name, text);
        const key = await admin('POST', '/admin/v1/api-keys', { name: text, role: 'read-only' });
        assert.equal(key.status, 201, JSON.stringify(key.body));
        assert.equal(key.body.name, text);
      }
      // An empty description stays what it was: allowed, as an absent one is.
      const empty = await admin('PATCH', `/admin/v1/integrations/${integrationId}`, { config: { description: '' } });
      assert.equal(empty.status, 200, JSON.stringify(empty.body));
    });
  });
}
