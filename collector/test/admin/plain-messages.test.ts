import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startTestCollector, type TestCollector } from '../../../test/support/collector.js';

/**
 * A 400 INVALID_REQUEST carried zod's own words (`name: Invalid input: expected string,
 * received undefined`) to devtrustctl and the console. It now says it plainly, naming the same
 * field; a message a schema sets itself is kept.
 */
describe('admin API: a refused field is described in plain words', () => {
  let c: TestCollector;
  beforeAll(async () => {
    c = await startTestCollector();
  });
  afterAll(async () => {
    await c.stop();
  });

  const uris = ['https://app.example/cb'];
  const cases: [string, string, unknown, string, string][] = [
    ['a missing field', '/admin/v1/applications', { redirectUris: uris }, 'name: required', 'name'],
    ['a wrong type', '/admin/v1/applications', { name: 42, redirectUris: uris }, 'name: must be a string, got a number', 'name'],
    ['an empty list', '/admin/v1/applications', { name: 'App', redirectUris: [] }, 'redirectUris: must not be empty', 'redirectUris'],
    [
      'a value not in the list',
      '/admin/v1/api-keys',
      { name: 'k', role: 'root' },
      'role: must be one of owner, admin, app-manager, read-only',
      'role',
    ],
    [
      'a name too long',
      '/admin/v1/api-keys',
      { name: 'k'.repeat(201), role: 'owner' },
      'name: must be at most 200 characters long',
      'name',
    ],
    [
      "a schema's own message, kept",
      '/admin/v1/applications',
      { name: 'App', redirectUris: ['http://app.example/cb'] },
      'redirectUris.0: must be an https URL (http only for localhost)',
      'redirectUris.0',
    ],
    [
      'an unknown field, as before',
      '/admin/v1/applications',
      { name: 'App', redirectUris: uris, admin: true },
      'admin: unknown field',
      'admin',
    ],
  ];
  for (const [what, path, body, message, field] of cases) {
    it(what, async () => {
      const answer = (await c.admin('POST', path, body)) as {
        status: number;
        body: { error: { code: string; message: string; field?: string } };
      };
      assert.equal(answer.status, 400);
      assert.deepEqual(answer.body.error, { ...answer.body.error, code: 'INVALID_REQUEST', message, field });
    });
  }
});
