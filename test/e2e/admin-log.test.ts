import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { pino } from 'pino';
import { hashToken } from '@devtrust/shared/crypto';
import { RetentionService } from '@devtrust/collector/services/retention';
import { startLoopbackVendor, type LoopbackVendor } from '../../collector/test/vendors/loopback.js';
import { startTestAgent, type TestAgent } from '../support/agent.js';
import { collectorOn, type CollectorOnDatabase } from '../support/collector-on.js';
import { ENROLLMENT_KEY, OWNER_TOKEN, startTestCollector, type TestCollector } from '../support/collector.js';
import { DATABASES } from '../support/postgres.js';
import { describeUnless } from '../support/skip.js';

const DAY = 24 * 3_600_000;
const SERIAL = 'C02ADMINLOG001';

interface Entry {
  id: number;
  at: number;
  actor: { kind: string; keyId: string | null; keyName: string | null; address: string | null; userAgent: string | null };
  resourceType: string;
  resourceId: string | null;
  action: string;
  before: any;
  after: any;
}

/**
 * The administrator actions log through the real admin API, on both databases: every class
 * of change is recorded once, with who, what, when and from where; no secret reaches a row
 * or an answer; paging, filters and roles hold; and a change whose entry cannot be written
 * does not happen.
 */
for (const db of DATABASES) {
  describeUnless(db.skip)(`administrator actions log (${db.name})`, () => {
    let c: CollectorOnDatabase;
    const agents: TestAgent[] = [];
    /** Every secret the test handles: none may appear in any admin-log row or response. */
    const secrets = new Set<string>([OWNER_TOKEN, ENROLLMENT_KEY, hashToken(OWNER_TOKEN), hashToken(ENROLLMENT_KEY)]);
    const keep = (secret: string) => {
      secrets.add(secret);
      secrets.add(hashToken(secret));
    };
    /** Which resource each mutation below touched and how, in order, to check each is recorded once. */
    const expected: { resourceType: string; action: string; resourceId?: string | null; kind?: string }[] = [];
    const answers: string[] = [];
    /** A vendor that never answers: a sync against it runs until it is cancelled. */
    let vendor: LoopbackVendor;

    beforeAll(async () => {
      c = await collectorOn(db.name, { scheduler: false });
      vendor = await startLoopbackVendor('silent');
    });
    afterAll(async () => {
      for (const agent of agents) await agent.stop();
      await c?.close();
      await vendor?.close();
    });

    /** An admin call that must succeed; `console` sends it as the web console does. */
    const call = async (
      method: string,
      path: string,
      body?: unknown,
      options: { token?: string; contentType?: string; console?: boolean } = {},
    ) => {
      const headers: Record<string, string> = {
        authorization: `Bearer ${options.token ?? OWNER_TOKEN}`,
        'user-agent': 'admin-log-test/1.0',
      };
      if (options.console) headers['x-devtrust-client'] = 'console';
      if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
      const response = await fetch(`${c.url}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
      return text === '' ? null : JSON.parse(text);
    };
    const readLog = async (query = '', token = OWNER_TOKEN) => {
      const response = await c.admin('GET', `/admin/v1/admin-log${query}`, undefined, { token });
      answers.push(JSON.stringify(response.body));
      return response;
    };
    /** Every entry, newest first, read page by page. */
    const everything = async (filters = '', limit = 7): Promise<{ entries: Entry[]; totals: number[] }> => {
      const entries: Entry[] = [];
      const totals: number[] = [];
      let cursor: string | null = null;
      do {
        const sep = filters ? '&' : '?';
        const page = await readLog(`${filters}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        assert.equal(page.status, 200, JSON.stringify(page.body));
        assert.ok(page.body.entries.length <= limit);
        entries.push(...page.body.entries);
        totals.push(page.body.total);
        cursor = page.body.nextCursor;
      } while (cursor !== null);
      return { entries, totals };
    };

    it('records the start-up set-up as made by the collector, without the keys', async () => {
      const { entries } = await everything();
      const startup = entries.filter((e) => e.actor.kind === 'bootstrap').map((e) => `${e.resourceType}:${e.action}`);
      assert.deepEqual(startup.sort(), ['api-key:bootstrap-create', 'enrollment-key:set']);
      const owner = entries.find((e) => e.action === 'bootstrap-create') as Entry;
      assert.deepEqual(owner.actor, { kind: 'bootstrap', keyId: null, keyName: 'collector configuration', address: null, userAgent: null });
      assert.equal(owner.after.role, 'owner');
      assert.equal(owner.after.name, 'bootstrap');
      assert.deepEqual(Object.keys(owner.after).sort(), ['id', 'name', 'revokedAt', 'role']);
    });

    it('a restart with the same configured keys records nothing new', async () => {
      const before = (await readLog()).body.total;
      c = await c.restart();
      assert.equal((await readLog()).body.total, before);
    });

    it('records every class of admin change once, with who, what and from where', async () => {
      // API keys: created (the value is returned once) and revoked.
      const ops = await call('POST', '/admin/v1/api-keys', { name: 'ops desk', role: 'admin' });
      keep(ops.key);
      expected.push({ resourceType: 'api-key', action: 'create', resourceId: ops.id });
      const spare = await call('POST', '/admin/v1/api-keys', { name: 'spare', role: 'read-only' });
      keep(spare.key);
      expected.push({ resourceType: 'api-key', action: 'create', resourceId: spare.id });
      // An admin key may not revoke keys: refused, and so not recorded.
      assert.equal((await c.admin('DELETE', `/admin/v1/api-keys/${spare.id}`, undefined, { token: ops.key })).status, 403);
      await call('DELETE', `/admin/v1/api-keys/${spare.id}`);
      expected.push({ resourceType: 'api-key', action: 'revoke', resourceId: spare.id });

      // An integration holding vendor credentials, whose secret is then rotated.
      const vendorSecret = 'jamf-secret-original-7d1c0f3b9a';
      const rotatedSecret = 'jamf-secret-rotated-55e0a2c4b1';
      secrets.add(vendorSecret);
      secrets.add(rotatedSecret);
      const jamf = await call(
        'POST',
        '/admin/v1/integrations',
        {
          kind: 'jamf-pro',
          name: 'Jamf',
          platforms: ['macos'],
          config: { baseUrl: vendor.url, clientId: 'jamf-client', clientSecret: vendorSecret },
        },
        { token: ops.key },
      );
      expected.push({ resourceType: 'integration', action: 'create', resourceId: jamf.id, kind: 'api-key' });
      await call('PATCH', `/admin/v1/integrations/${jamf.id}`, { config: { clientSecret: rotatedSecret } }, { console: true });
      expected.push({ resourceType: 'integration', action: 'update', resourceId: jamf.id, kind: 'console' });
      await call('PUT', `/admin/v1/integrations/${jamf.id}/activation`, { mode: 'test-groups', groups: ['pilot'] });
      expected.push({ resourceType: 'integration', action: 'activation', resourceId: jamf.id });
      const sync = await call('POST', `/admin/v1/integrations/${jamf.id}/sync`);
      assert.ok(sync.syncId);
      expected.push({ resourceType: 'integration', action: 'sync', resourceId: jamf.id });
      await call('POST', `/admin/v1/integrations/${jamf.id}/sync/cancel`);
      expected.push({ resourceType: 'integration', action: 'cancel-sync', resourceId: jamf.id });
      while ((await call('GET', `/admin/v1/integrations/${jamf.id}/syncs/${sync.syncId}`)).status === 'running') {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await call('DELETE', `/admin/v1/integrations/${jamf.id}`);
      expected.push({ resourceType: 'integration', action: 'delete', resourceId: jamf.id });

      // An uploaded inventory, active for everyone, for the endpoints below.
      const csv = await call('POST', '/admin/v1/integrations', { kind: 'csv', name: 'Laptops', platforms: ['windows'], config: {} });
      expected.push({ resourceType: 'integration', action: 'create', resourceId: csv.id });
      await call('PUT', `/admin/v1/integrations/${csv.id}/inventory`, `serial_number,device_name,platform\n${SERIAL},LAPTOP-1,windows\n`, {
        contentType: 'text/csv',
      });
      expected.push({ resourceType: 'integration', action: 'upload', resourceId: csv.id });
      await call('PUT', `/admin/v1/integrations/${csv.id}/activation`, { mode: 'all-users' });
      expected.push({ resourceType: 'integration', action: 'activation', resourceId: csv.id });

      // Applications: the client secret is shown once and never recorded.
      const app = await call('POST', '/admin/v1/applications', { name: 'Wiki', redirectUris: ['https://wiki.example.com/cb'] });
      keep(app.clientSecret);
      expected.push({ resourceType: 'application', action: 'create', resourceId: app.id });
      await call('PATCH', `/admin/v1/applications/${app.id}`, { name: 'Team wiki', policy: { trustedEndpoints: 'allow-all' } });
      expected.push({ resourceType: 'application', action: 'update', resourceId: app.id });
      const doomed = await call('POST', '/admin/v1/applications', { name: 'Old CRM', redirectUris: ['https://crm.example.com/cb'] });
      keep(doomed.clientSecret);
      await call('DELETE', `/admin/v1/applications/${doomed.id}`);
      expected.push(
        { resourceType: 'application', action: 'create', resourceId: doomed.id },
        { resourceType: 'application', action: 'delete', resourceId: doomed.id },
      );

      // The global policy.
      await call('PUT', '/admin/v1/policy', { blockCompromised: true });
      expected.push({ resourceType: 'policy', action: 'update', resourceId: 'global' });

      // Users and groups.
      await call('PUT', '/admin/v1/users/Alice@Example.com', { groups: ['pilot'] });
      await call('PUT', '/admin/v1/users/alice@example.com', { groups: ['pilot', 'finance'] });
      await call('DELETE', '/admin/v1/users/alice@example.com');
      expected.push(
        { resourceType: 'user', action: 'create', resourceId: 'alice@example.com' },
        { resourceType: 'user', action: 'update', resourceId: 'alice@example.com' },
        { resourceType: 'user', action: 'delete', resourceId: 'alice@example.com' },
      );

      // The enrollment key, rotated: the new key is in the answer only. Agents below use it.
      const { enrollmentKey } = await call('POST', '/admin/v1/enrollment-key');
      keep(enrollmentKey);
      expected.push({ resourceType: 'enrollment-key', action: 'rotate', resourceId: null });

      // Endpoints: block, unblock, approve and deny claims, forget.
      const start = async (hostname: string) => {
        const agent = await startTestAgent(c.url, { platform: 'windows', serialNumber: SERIAL, hostname }, { enrollmentKey });
        agents.push(agent);
        return agent.agent.status().endpointId as string;
      };
      const real = await start('laptop-1');
      await call('POST', `/admin/v1/endpoints/${real}/block`);
      await call('DELETE', `/admin/v1/endpoints/${real}/block`);
      expected.push(
        { resourceType: 'endpoint', action: 'block', resourceId: real },
        { resourceType: 'endpoint', action: 'unblock', resourceId: real },
      );
      const clone = await start('clone-1');
      await call('POST', `/admin/v1/endpoints/${clone}/deny`);
      expected.push({ resourceType: 'endpoint', action: 'deny', resourceId: clone });
      const second = await start('laptop-1-reimaged');
      await call('POST', `/admin/v1/endpoints/${second}/approve`);
      expected.push({ resourceType: 'endpoint', action: 'approve', resourceId: second });
      await (agents.pop() as TestAgent).stop();
      await call('DELETE', `/admin/v1/endpoints/${second}`);
      expected.push({ resourceType: 'endpoint', action: 'forget', resourceId: second });

      // OIDC signing keys: rotated at once, rotated with a delay, and the waiting key withdrawn.
      const rotated = await call('POST', '/admin/v1/oidc/rotate-keys', { immediate: true });
      expected.push({ resourceType: 'oidc-key', action: 'rotate', resourceId: rotated.active });
      const { next } = await call('POST', '/admin/v1/oidc/rotate-keys');
      assert.ok(next?.kid);
      expected.push({ resourceType: 'oidc-key', action: 'rotate', resourceId: next.kid });
      await call('DELETE', `/admin/v1/oidc/keys/${next.kid}`);
      expected.push({ resourceType: 'oidc-key', action: 'withdraw', resourceId: next.kid });
      const emergency = await call('POST', '/admin/v1/oidc/rotate-keys', { immediate: true, withdrawPrevious: true });
      expected.push({ resourceType: 'oidc-key', action: 'rotate', resourceId: emergency.active });

      const { entries } = await everything();
      const recorded = entries.filter((e) => e.actor.kind !== 'bootstrap').reverse();
      assert.deepEqual(
        recorded.map((e) => `${e.resourceType}:${e.action}:${e.resourceId}`),
        expected.map((x) => `${x.resourceType}:${x.action}:${x.resourceId}`),
        'each change once, in the order made',
      );
      for (const [i, x] of expected.entries()) {
        const e = recorded[i] as Entry;
        if (x.kind) assert.equal(e.actor.kind, x.kind, `${x.resourceType}:${x.action}`);
        assert.ok(e.actor.keyId && e.actor.keyName, 'who: the key id and name');
        assert.match(e.actor.address ?? '', /127\.0\.0\.1/, 'from where');
        assert.equal(e.actor.userAgent, 'admin-log-test/1.0');
      }
      const jamfCreate = recorded.find((e) => e.resourceId === jamf.id && e.action === 'create') as Entry;
      assert.deepEqual([jamfCreate.actor.keyId, jamfCreate.actor.keyName], [ops.id, 'ops desk']);
      // What changed: before and after, secrets by name only.
      const rotation = recorded.find((e) => e.resourceId === jamf.id && e.action === 'update') as Entry;
      assert.deepEqual(rotation.after.secretsGiven, ['clientSecret']);
      assert.deepEqual(rotation.before.secretFields, ['clientSecret']);
      assert.equal(rotation.after.config.baseUrl, vendor.url);
      const withdrawing = recorded.at(-1) as Entry;
      assert.deepEqual(withdrawing.after.withdrawn, [rotated.active]);
      const cancel = recorded.find((e) => e.action === 'cancel-sync') as Entry;
      assert.equal(cancel.after.syncId, sync.syncId);
      const appUpdate = recorded.find((e) => e.resourceId === app.id && e.action === 'update') as Entry;
      assert.deepEqual([appUpdate.before.name, appUpdate.after.name], ['Wiki', 'Team wiki']);
      assert.deepEqual(appUpdate.after.policy, { trustedEndpoints: 'allow-all' });
      const policy = recorded.find((e) => e.resourceType === 'policy') as Entry;
      assert.deepEqual([policy.before.blockCompromised, policy.after.blockCompromised], [false, true]);
      const block = recorded.find((e) => e.action === 'block') as Entry;
      assert.deepEqual([block.before.blocked, block.after.blocked, block.after.hostname], [false, true, 'laptop-1']);
      const forget = recorded.find((e) => e.action === 'forget') as Entry;
      // The endpoint is gone: `after` holds only what it held and who waited on it (nobody here).
      assert.deepEqual([Object.keys(forget.after), forget.after.forget.stillPending], [['forget'], []]);
      assert.equal(forget.before.hostname, 'laptop-1-reimaged');
      const revoke = recorded.find((e) => e.action === 'revoke') as Entry;
      assert.equal(revoke.before.revokedAt, null);
      assert.equal(typeof revoke.after.revokedAt, 'number');
    });

    it('an upload reads as a file put into the integration; a rename lists the name only, and a secret given again unchanged is no change', async () => {
      const csv = await call('POST', '/admin/v1/integrations', { kind: 'csv', name: 'Desks', platforms: ['windows'], config: {} });
      await call(
        'PUT',
        `/admin/v1/integrations/${csv.id}/inventory`,
        `serial_number,device_name,platform\nDESK-1,D1,windows\nDESK-2,D2,windows\n`,
        {
          contentType: 'text/csv',
        },
      );
      await call('PUT', `/admin/v1/integrations/${csv.id}/inventory?allowEmpty=true`, 'serial_number,device_name,platform\n', {
        contentType: 'text/csv',
      });
      const uploads = (await everything(`?resourceId=${csv.id}&action=upload`)).entries;
      assert.deepEqual(
        uploads.map((e) => [e.resourceType, e.before, e.after.name, e.after.rows, e.after.allowEmpty, e.after.status, e.after.devices]),
        [
          ['integration', null, 'Desks', 0, true, 'succeeded', 0],
          ['integration', null, 'Desks', 2, false, 'succeeded', 2],
        ],
      );

      const secret = 'jamf-secret-kept-9a8b7c6d5e4f';
      secrets.add(secret);
      const jamf = await call('POST', '/admin/v1/integrations', {
        kind: 'jamf-pro',
        name: 'Jamf West',
        platforms: ['macos'],
        config: { baseUrl: vendor.url, clientId: 'jamf-client', clientSecret: secret },
      });
      await call('PATCH', `/admin/v1/integrations/${jamf.id}`, { name: 'Jamf East' });
      // The same secret sent again with a real change: only the real change is listed.
      await call('PATCH', `/admin/v1/integrations/${jamf.id}`, { config: { clientId: 'jamf-client-2', clientSecret: secret } });
      const [resent, rename] = (await everything(`?resourceId=${jamf.id}&action=update`)).entries as [Entry, Entry];
      assert.deepEqual((rename as Entry & { changed: string[] }).changed, ['name']);
      assert.equal(rename.after.secretsGiven, undefined);
      assert.deepEqual((resent as Entry & { changed: string[] }).changed, ['config']);
      assert.equal(resent.after.secretsGiven, undefined);
      await call('DELETE', `/admin/v1/integrations/${jamf.id}`);
      await call('DELETE', `/admin/v1/integrations/${csv.id}`);
    });

    it('refused changes are not recorded', async () => {
      const before = (await readLog()).body.total;
      const owners = (await call('GET', '/admin/v1/api-keys')).apiKeys.filter((k: any) => k.role === 'owner' && k.revokedAt === null);
      assert.equal(owners.length, 1);
      assert.equal((await c.admin('DELETE', `/admin/v1/api-keys/${owners[0].id}`)).status, 409);
      assert.equal((await c.admin('PATCH', '/admin/v1/applications/app_nope', { name: 'x' })).status, 404);
      assert.equal((await c.admin('PUT', '/admin/v1/policy', { blockCompromised: 'yes' })).status, 400);
      assert.equal((await c.admin('POST', '/admin/v1/endpoints/ep_nope/block')).status, 404);
      assert.equal((await c.admin('DELETE', '/admin/v1/users/nobody')).status, 404);
      assert.equal((await readLog()).body.total, before);
    });

    it('a change whose entry cannot be written does not happen (one transaction)', async () => {
      const knex = c.store.knex;
      const appsBefore = (await call('GET', '/admin/v1/applications')).applications.length;
      const policyBefore = await call('GET', '/admin/v1/policy');
      await knex.schema.renameTable('admin_log', 'admin_log_away');
      try {
        assert.equal(
          (await c.admin('POST', '/admin/v1/applications', { name: 'Ghost', redirectUris: ['https://g.example.com/cb'] })).status,
          500,
        );
        assert.equal((await c.admin('PUT', '/admin/v1/policy', { blockCompromised: false })).status, 500);
        assert.equal((await c.admin('POST', '/admin/v1/api-keys', { name: 'ghost', role: 'admin' })).status, 500);
      } finally {
        await knex.schema.renameTable('admin_log_away', 'admin_log');
      }
      assert.equal((await call('GET', '/admin/v1/applications')).applications.length, appsBefore);
      assert.deepEqual(await call('GET', '/admin/v1/policy'), policyBefore);
      assert.ok(!(await call('GET', '/admin/v1/api-keys')).apiKeys.some((k: any) => k.name === 'ghost'));
    });

    it('filters by resource, action, actor and time, and pages with an opaque cursor', async () => {
      const all = await everything('', 500);
      assert.equal(all.entries.length, all.totals[0]);
      const paged = await everything('', 3);
      assert.deepEqual(
        paged.entries.map((e) => e.id),
        all.entries.map((e) => e.id),
        'pages neither skip nor repeat',
      );
      assert.ok(
        paged.totals.every((t) => t === all.entries.length),
        'total counts every page',
      );

      const users = await everything('?resourceType=user');
      assert.deepEqual(
        users.entries.map((e) => e.action),
        ['delete', 'update', 'create'],
      );
      assert.deepEqual(users.totals, [3]);
      const alice = await everything('?resourceType=user&resourceId=alice%40example.com&action=update');
      assert.equal(alice.entries.length, 1);
      const opsKey = all.entries.find((e) => e.action === 'create' && e.resourceType === 'api-key' && e.after.name === 'ops desk') as Entry;
      const byOps = await everything(`?actorKeyId=${opsKey.resourceId}`);
      assert.deepEqual(
        byOps.entries.map((e) => `${e.resourceType}:${e.action}`),
        ['integration:create'],
      );

      const newest = all.entries[0] as Entry;
      const oldest = all.entries.at(-1) as Entry;
      const since = await everything(`?since=${new Date(newest.at).toISOString()}`);
      assert.ok(since.entries.every((e) => e.at >= newest.at) && since.entries.length >= 1);
      const until = await everything(`?until=${oldest.at + 1}`);
      assert.ok(until.entries.every((e) => e.at <= oldest.at) && until.entries.length >= 1);

      const capped = await readLog('?limit=100000');
      assert.equal(capped.status, 200);
      assert.equal(capped.body.entries.length, Math.min(500, all.entries.length));
    });

    it('refuses bad input with a stable code', async () => {
      const bad = async (query: string, code: string, field?: string) => {
        const r = await readLog(query);
        assert.equal(r.status, 400, `${query}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error.code, code, query);
        if (field) assert.equal(r.body.error.field, field, query);
      };
      await bad('?cursor=not-a-cursor', 'INVALID_CURSOR', 'cursor');
      await bad(`?cursor=${Buffer.from(JSON.stringify({ b: -1 })).toString('base64url')}`, 'INVALID_CURSOR', 'cursor');
      await bad('?resourceType=secrets', 'INVALID_REQUEST', 'resourceType');
      await bad('?limit=0', 'INVALID_REQUEST', 'limit');
      await bad('?limit=ten', 'INVALID_REQUEST', 'limit');
      await bad('?since=yesterday', 'INVALID_REQUEST', 'since');
      // A date and time without its zone: the collector's own zone is no answer an admin can see.
      await bad('?until=2026-02-01T09:00', 'INVALID_REQUEST', 'until');
      await bad('?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z', 'INVALID_REQUEST', 'since');
      await bad('?action=a&action=b', 'INVALID_REQUEST', 'action');
      await bad('?who=me', 'INVALID_REQUEST');
      await bad(`?resourceId=${'x'.repeat(300)}`, 'INVALID_REQUEST', 'resourceId');
      // Text no database column can hold (PostgreSQL refuses NUL): a 400, never a 500.
      for (const query of ['?resourceId=a%00b', '?action=%00', '?actorKeyId=%00']) {
        const r = await readLog(query);
        assert.equal(r.status, 400, `${query}: ${JSON.stringify(r.body)}`);
      }
    });

    it('owners and admins read it; read-only and app-manager keys may not', async () => {
      for (const [role, status] of [
        ['admin', 200],
        ['read-only', 403],
        ['app-manager', 403],
      ] as const) {
        const key = await call('POST', '/admin/v1/api-keys', { name: `reader ${role}`, role });
        keep(key.key);
        assert.equal((await readLog('', key.key)).status, status, role);
      }
      assert.equal((await c.admin('GET', '/admin/v1/admin-log', undefined, { token: 'dtk_nope' })).status, 401);
      for (const method of ['POST', 'PUT', 'DELETE']) assert.equal((await c.admin(method, '/admin/v1/admin-log')).status, 405, method);
    });

    it('no secret appears in any admin-log row or answer', async () => {
      await everything('', 500);
      const rows = JSON.stringify(await c.store.knex('admin_log').select('*'));
      assert.ok(rows.length > 1000, 'rows were read');
      for (const secret of secrets) {
        assert.ok(!rows.includes(secret), `a row holds a secret (${secret.slice(0, 6)}…)`);
        for (const answer of answers) assert.ok(!answer.includes(secret), `an answer holds a secret (${secret.slice(0, 6)}…)`);
      }
      // Not even the hash columns' or sealed values' shapes: no dtk_/dts_/dte_ token at all.
      assert.doesNotMatch(rows, /\b(?:dtk|dts|dte)_[A-Za-z0-9_-]{16,}/);
    });

    it('entries older than DEVTRUST_ADMIN_LOG_RETENTION_DAYS are purged', async () => {
      const knex = c.store.knex;
      const now = Date.now();
      const row = (at: number, action: string) => ({ at, actor_kind: 'system', resource_type: 'policy', resource_id: 'global', action });
      await knex('admin_log').insert([row(now - 40 * DAY, 'old-change'), row(now - 20 * DAY, 'recent-change')]);
      const retention = new RetentionService(c.store, { authLogDays: 90, adminLogDays: 30, transactionDays: 7 }, pino({ level: 'silent' }));
      await retention.purge(now);
      const actions = (await everything('?resourceType=policy')).entries.map((e) => e.action);
      assert.ok(actions.includes('recent-change'));
      assert.ok(!actions.includes('old-change'));
    });
  });
}

describe('the keys a first start generates are recorded as the collector’s', () => {
  let c: TestCollector;
  afterAll(() => c?.stop());

  it('a retention that is not a number of days stops the start with the variable named', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-admin-log-config-'));
    try {
      for (const value of ['0', '-1', 'forever', '36501']) {
        await assert.rejects(
          startTestCollector({ dataDir, env: { DEVTRUST_ADMIN_LOG_RETENTION_DAYS: value } }),
          /DEVTRUST_ADMIN_LOG_RETENTION_DAYS/,
        );
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('first-start owner key and enrollment key: actor system, no key in the entries', async () => {
    c = await startTestCollector({ scheduler: false, env: { DEVTRUST_BOOTSTRAP_TOKEN: '', DEVTRUST_ENROLLMENT_KEY: '' } });
    const { ownerApiKey, enrollmentKey } = c.firstStart;
    assert.ok(ownerApiKey && enrollmentKey);
    const page = await c.admin('GET', '/admin/v1/admin-log', undefined, { token: ownerApiKey });
    assert.equal(page.status, 200);
    const entries = page.body.entries as Entry[];
    assert.deepEqual(entries.map((e) => `${e.actor.kind}:${e.actor.keyName}:${e.resourceType}:${e.action}`).sort(), [
      'system:collector:api-key:first-start-create',
      'system:collector:enrollment-key:generate',
    ]);
    const text = JSON.stringify(page.body) + JSON.stringify(await c.store.knex('admin_log').select('*'));
    for (const secret of [ownerApiKey, enrollmentKey, hashToken(ownerApiKey), hashToken(enrollmentKey)]) assert.ok(!text.includes(secret));
  });
});

/** "From where" is the address the collector believes: a client cannot write its own into the log. */
describe('the admin log records the client address the collector believes', () => {
  const collectors: TestCollector[] = [];
  afterAll(async () => {
    for (const c of collectors) await c.stop();
  });

  const addressOfPolicyChange = async (trustProxy: boolean): Promise<string | null> => {
    const c = await startTestCollector({ scheduler: false, env: { DEVTRUST_TRUST_PROXY: String(trustProxy) } });
    collectors.push(c);
    const response = await fetch(`${c.url}/admin/v1/policy`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${OWNER_TOKEN}`,
        'content-type': 'application/json',
        'x-forwarded-for': '198.51.100.7, 203.0.113.9',
      },
      body: JSON.stringify({ blockCompromised: true }),
    });
    assert.equal(response.status, 200);
    const { entries } = (await c.admin('GET', '/admin/v1/admin-log?resourceType=policy')).body as { entries: Entry[] };
    return entries[0]?.actor.address ?? null;
  };

  it('without DEVTRUST_TRUST_PROXY, X-Forwarded-For is ignored', async () => {
    assert.match((await addressOfPolicyChange(false)) ?? '', /^(::ffff:)?127\.0\.0\.1$/);
  });

  it('behind a trusted proxy, the address the proxy appended (the last one)', async () => {
    assert.equal(await addressOfPolicyChange(true), '203.0.113.9');
  });
});
