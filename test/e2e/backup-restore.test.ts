import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { CollectorProcess } from '../faults/collector-process.js';
import { createTestApp, csvInventory, wrapApp, type TestApp } from '../support/app.js';
import { startTestAgent } from '../support/agent.js';
import { runBin } from '../support/bin.js';
import { collectorOn } from '../support/collector-on.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../support/collector.js';
import { freshPostgresDatabase, POSTGRES_SKIP } from '../support/postgres.js';

/** What test/support/app.ts needs of a collector: its URL and the admin API with the owner key. */
function client(url: string): TestCollector {
  const admin = async (method: string, urlPath: string, body?: unknown, options: { token?: string; contentType?: string } = {}) => {
    const response = await fetch(`${url}${urlPath}`, {
      method,
      headers: {
        authorization: `Bearer ${options.token ?? OWNER_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': options.contentType ?? 'application/json' }),
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? null : JSON.parse(text) };
  };
  return { url, admin } as unknown as TestCollector;
}

/** pg_dump and pg_restore as the operations guide runs them; why not, when they are not installed. */
const PG_TOOLS_SKIP = (() => {
  if (POSTGRES_SKIP) return POSTGRES_SKIP;
  try {
    execFileSync('pg_dump', ['--version']);
    execFileSync('pg_restore', ['--version']);
    return false;
  } catch {
    return 'pg_dump and pg_restore are not installed';
  }
})();

/** A writer that keeps changing the database, one acknowledged write after the other: users writer-0, writer-1, … */
function startWriter(c: TestCollector): { acknowledged: string[]; refused: string[]; stop(): Promise<void> } {
  let writing = true;
  const acknowledged: string[] = [];
  const refused: string[] = [];
  const done = (async () => {
    for (let i = 0; writing; i++) {
      const user = `writer-${i}@example.com`;
      const put = await c.admin('PUT', `/admin/v1/users/${user}`, { groups: ['Load'] });
      if (put.status === 200) acknowledged.push(user);
      else refused.push(`${user}: ${put.status}`);
    }
  })();
  return {
    acknowledged,
    refused,
    stop: async () => {
      writing = false;
      await done;
    },
  };
}

const waitFor = async (check: () => boolean): Promise<void> => {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10));
};

/** The restored users are exactly the writer's first n, n at least `before`: the database at one moment. */
async function assertConsistentPrefix(r: TestCollector, acknowledged: string[], before: number): Promise<void> {
  const users = ((await r.admin('GET', '/admin/v1/users')).body.users as { username: string }[])
    .map((u) => u.username)
    .filter((u) => u.startsWith('writer-'));
  const n = users.length;
  assert.ok(
    n >= before && n <= acknowledged.length,
    `${n} users restored; ${before} acknowledged before the backup, ${acknowledged.length} in all`,
  );
  assert.deepEqual(new Set(users), new Set(acknowledged.slice(0, n)), 'the restored users are not a prefix of the writes');
}

/** An inventory big enough that the snapshot takes a while (a few MB), with the device under test in it. */
function inventory(rows: number): string {
  const lines = ['serial_number,hardware_uuid,device_name,platform', 'BACKUP-1,,kept,linux'];
  for (let i = 0; i < rows; i++) lines.push(`SN-${i.toString().padStart(6, '0')},${crypto.randomUUID()},laptop-${i},windows`);
  return `${lines.join('\n')}\n`;
}

/** The parts of the admin API a restore must bring back, without what changes by itself (last use, connection). */
async function state(c: TestCollector): Promise<Record<string, unknown>> {
  const get = async (p: string) => {
    const r = await c.admin('GET', p);
    assert.equal(r.status, 200, `${p}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const endpoints = (await get('/admin/v1/endpoints')).endpoints.map((e: Record<string, unknown>) => ({
    id: e.id,
    hostname: e.hostname,
    identifiers: e.identifiers,
    trusted: e.trusted,
    matched: e.matched,
    blocked: e.blocked,
    enrolledAt: e.enrolledAt,
  }));
  const integrations = (await get('/admin/v1/integrations')).integrations.map((i: Record<string, unknown>) => ({
    id: i.id,
    name: i.name,
    devices: i.devices,
    activation: i.activation,
    syncedAt: i.syncedAt,
  }));
  const apiKeys = (await get('/admin/v1/api-keys')).apiKeys.map((k: Record<string, unknown>) => ({ id: k.id, name: k.name, role: k.role }));
  const applications = (await get('/admin/v1/applications')).applications;
  const oidcKeys = (await get('/admin/v1/oidc/keys')).keys;
  const authLog = (await get('/admin/v1/auth-log')).entries;
  return { endpoints, integrations, apiKeys, applications, oidcKeys, authLog, policy: await get('/admin/v1/policy') };
}

describe('backup and restore of a SQLite collector, with real collector processes', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'devtrust-backup-'));
  const running: CollectorProcess[] = [];
  const start = async (dataDir: string, env: Record<string, string> = {}) => {
    const started = await CollectorProcess.start({ DEVTRUST_DATA_DIR: dataDir, ...env });
    running.push(started);
    return started;
  };
  afterAll(async () => {
    for (const collector of running) await collector.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('devtrustctl backup while the collector takes writes → restore into a new data dir → same endpoints, inventory, keys and verdicts', async () => {
    const dataDir = path.join(work, 'data');
    const agentDir = mkdtempSync(path.join(work, 'agent-'));
    const source = await start(dataDir);
    const c = client(source.url);
    const integrationId = await csvInventory(c, inventory(20_000), { platforms: ['windows', 'linux'] });
    const app = await createTestApp(c, { trustedEndpoints: 'require-trusted' });
    const adminKey = (await c.admin('POST', '/admin/v1/api-keys', { name: 'ci', role: 'admin' })).body.key as string;
    await c.admin('GET', '/admin/v1/oidc/keys'); // the first OIDC signing key (sealed with the master key)
    let agent = await startTestAgent(source.url, { platform: 'linux', serialNumber: 'BACKUP-1', hostname: 'kept' }, { dataDir: agentDir });
    const endpointId = agent.agent.status().endpointId as string;
    const tx = await app.open('erin');
    await agent.agent.attest(tx);
    assert.equal((await app.read(tx)).body.verdict, 'trusted');

    // Writes all through the backup.
    const writer = startWriter(c);
    const { acknowledged, refused } = writer;
    await waitFor(() => acknowledged.length >= 10);
    const backupFile = path.join(work, 'devtrust-backup.sqlite');
    const before = acknowledged.length;
    const backup = await runBin('devtrustctl', ['backup', backupFile], {
      env: { DEVTRUST_URL: source.url, DEVTRUST_API_KEY: OWNER_TOKEN },
      timeoutMs: 120_000,
    });
    const after = acknowledged.length;
    await waitFor(() => acknowledged.length >= after + 10);
    await writer.stop();
    assert.equal(backup.code, 0, backup.stderr);
    assert.deepEqual(refused, [], 'the collector refused writes while the backup was taken');
    const check = /^masterKeyCheck: (\S+)$/m.exec(backup.stdout)?.[1];
    assert.ok(check, backup.stdout);
    // Which key a backup needs: the check of the key at hand, without starting anything.
    const ofKey = await runBin('devtrust-collector', ['--master-key-check'], { env: { DEVTRUST_DATA_DIR: dataDir } });
    assert.equal(ofKey.stdout, `${check}\n`, ofKey.stderr);
    assert.match(backup.stdout, /master key is not in the backup/);
    assert.equal(statSync(backupFile).mode & 0o777, 0o600, 'the backup file is owner-only');
    assert.equal(existsSync(`${backupFile}.partial`), false);
    assert.equal(existsSync(path.join(dataDir, 'backup-tmp')), false, 'the snapshot left its copy in the data dir');
    const sha = /^sha256: (\w+)$/m.exec(backup.stdout)?.[1];
    assert.equal(sha, (await import('node:crypto')).createHash('sha256').update(readFileSync(backupFile)).digest('hex'));
    const expected = await state(c);
    await agent.stop();
    await source.stop();

    // Restore: the backup as the database of a new data dir, with the master key kept apart from it.
    const restoredDir = path.join(work, 'restored');
    mkdirSync(restoredDir, { mode: 0o700 });
    copyFileSync(backupFile, path.join(restoredDir, 'devtrust.sqlite'));
    copyFileSync(path.join(dataDir, 'master.key'), path.join(restoredDir, 'master.key'));
    // At the same address: agents know their collector by URL.
    const restored = await start(restoredDir, { DEVTRUST_PORT: new URL(source.url).port });
    const r = client(restored.url);
    assert.equal((await restored.readyz()).status, 200);
    assert.deepEqual(await state(r), expected);

    await assertConsistentPrefix(r, acknowledged, before);

    // Keys: the admin key, the application's client secret (sealed with the master key) and the agent's device key.
    assert.equal((await r.admin('GET', '/admin/v1/endpoints', undefined, { token: adminKey })).status, 200);
    assert.equal((await r.admin('GET', `/admin/v1/integrations/${integrationId}/identifiers/backup-1`)).body.found, true);
    const restoredApp: TestApp = wrapApp(r, app);
    assert.equal((await restoredApp.read(tx)).body.verdict, 'trusted');
    agent = await startTestAgent(
      restored.url,
      { platform: 'linux', serialNumber: 'BACKUP-1', hostname: 'kept' },
      { dataDir: agentDir, enrollmentKey: null },
    );
    try {
      assert.equal(agent.agent.status().endpointId, endpointId, 'the agent enrolled again instead of keeping its identity');
      const tx2 = await restoredApp.open('erin');
      await agent.agent.attest(tx2);
      const verdict = (await restoredApp.read(tx2)).body;
      assert.equal(verdict.verdict, 'trusted');
      assert.equal(verdict.access, 'allow');
    } finally {
      await agent.stop();
    }
    await restored.stop();

    // Without its master key, or with another one, the restored database does not start: it says which key it needs.
    const keyless = path.join(work, 'keyless');
    mkdirSync(keyless, { mode: 0o700 });
    copyFileSync(backupFile, path.join(keyless, 'devtrust.sqlite'));
    await assert.rejects(
      start(keyless),
      new RegExp(
        `master\\.key does not exist, but the database holds secrets sealed with a master key: put the master\\.key kept with this database \\(check ${check}\\)`,
      ),
    );
    assert.equal(existsSync(path.join(keyless, 'master.key')), false, 'a new master key was generated beside the restored database');
    await assert.rejects(
      start(keyless, { DEVTRUST_MASTER_KEY: Buffer.alloc(32, 9).toString('base64') }),
      /is not the one this database's secrets are sealed with/,
    );
  });

  it('only an owner key takes a backup, one at a time, and never over an existing file', async () => {
    const source = await start(path.join(work, 'roles'));
    const c = client(source.url);
    const file = path.join(work, 'roles.sqlite');
    for (const role of ['admin', 'app-manager', 'read-only']) {
      const key = (await c.admin('POST', '/admin/v1/api-keys', { name: role, role })).body.key as string;
      const refused = await runBin('devtrustctl', ['backup', file], { env: { DEVTRUST_URL: source.url, DEVTRUST_API_KEY: key } });
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /403 FORBIDDEN/);
      assert.equal(existsSync(file), false);
      assert.equal(existsSync(`${file}.partial`), false);
    }
    const env = { DEVTRUST_URL: source.url, DEVTRUST_API_KEY: OWNER_TOKEN };
    assert.equal((await runBin('devtrustctl', ['backup', file], { env })).code, 0);
    const again = await runBin('devtrustctl', ['backup', file], { env });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /exists: a backup never overwrites/);
    // Two at once: the second is refused while the first is taken or sent (409), or both succeed one after the other.
    const [a, b] = await Promise.all([
      fetch(`${source.url}/admin/v1/backup`, { method: 'POST', headers: { authorization: `Bearer ${OWNER_TOKEN}` } }),
      fetch(`${source.url}/admin/v1/backup`, { method: 'POST', headers: { authorization: `Bearer ${OWNER_TOKEN}` } }),
    ]);
    const statuses = [a.status, b.status].sort();
    const bodies = await Promise.all(
      [a, b].map(async (response) => (response.status === 200 ? void (await response.arrayBuffer()) : await response.json())),
    );
    assert.ok(statuses[0] === 200 && (statuses[1] === 200 || statuses[1] === 409), String(statuses));
    for (const body of bodies) if (body) assert.equal((body as { error: { code: string } }).error.code, 'BACKUP_RUNNING');
    // Every backup sent is in the administrator actions log: who took a copy of everything, and which.
    const taken = await c.admin('GET', '/admin/v1/admin-log?resourceType=backup&action=take');
    assert.equal(taken.body.entries.length, 1 + statuses.filter((s) => s === 200).length);
    assert.match(taken.body.entries[0].after.sha256, /^[0-9a-f]{64}$/);
    await source.stop();
  });

  it.skipIf(PG_TOOLS_SKIP)(
    'PostgreSQL: pg_dump while the collector takes writes, pg_restore into a new database → same state, keys and verdicts',
    async () => {
      const source = await freshPostgresDatabase();
      const target = await freshPostgresDatabase();
      const env = { DEVTRUST_MASTER_KEY: Buffer.alloc(32, 5).toString('base64') };
      const agentDir = mkdtempSync(path.join(work, 'pg-agent-'));
      let c: TestCollector | undefined;
      let r: TestCollector | undefined;
      try {
        c = await startTestCollector({ scheduler: false, databaseUrl: source.url, env });
        const integrationId = await csvInventory(c, inventory(2_000), { platforms: ['windows', 'linux'] });
        const app = await createTestApp(c, { trustedEndpoints: 'require-trusted' });
        const adminKey = (await c.admin('POST', '/admin/v1/api-keys', { name: 'ci', role: 'admin' })).body.key as string;
        await c.admin('GET', '/admin/v1/oidc/keys');
        const agent = await startTestAgent(c.url, { platform: 'linux', serialNumber: 'BACKUP-1', hostname: 'kept' }, { dataDir: agentDir });
        const endpointId = agent.agent.status().endpointId as string;
        const tx = await app.open('erin');
        await agent.agent.attest(tx);
        await agent.stop();

        const writer = startWriter(c);
        await waitFor(() => writer.acknowledged.length >= 10);
        const before = writer.acknowledged.length;
        const dump = path.join(work, 'devtrust.dump');
        // As docs/operations-backup-upgrade.md has it.
        await promisify(execFile)('pg_dump', ['--format=custom', '--no-owner', `--file=${dump}`, source.url]);
        const after = writer.acknowledged.length;
        await waitFor(() => writer.acknowledged.length >= after + 10);
        await writer.stop();
        assert.deepEqual(writer.refused, []);
        const expected = await state(c);
        const port = c.port;
        await c.stop();
        c = undefined;

        await promisify(execFile)('pg_restore', ['--no-owner', `--dbname=${target.url}`, dump]);
        r = await startTestCollector({ scheduler: false, databaseUrl: target.url, env: { ...env, DEVTRUST_PORT: String(port) } });
        assert.deepEqual(await state(r), expected);
        await assertConsistentPrefix(r, writer.acknowledged, before);
        assert.equal((await r.admin('GET', '/admin/v1/endpoints', undefined, { token: adminKey })).status, 200);
        assert.equal((await r.admin('GET', `/admin/v1/integrations/${integrationId}/identifiers/backup-1`)).body.found, true);
        const restoredApp = wrapApp(r, app);
        assert.equal((await restoredApp.read(tx)).body.verdict, 'trusted');
        const back = await startTestAgent(
          r.url,
          { platform: 'linux', serialNumber: 'BACKUP-1', hostname: 'kept' },
          { dataDir: agentDir, enrollmentKey: null },
        );
        try {
          assert.equal(back.agent.status().endpointId, endpointId);
          const tx2 = await restoredApp.open('erin');
          await back.agent.attest(tx2);
          assert.equal((await restoredApp.read(tx2)).body.access, 'allow');
        } finally {
          await back.stop();
        }
        await r.stop();
        r = undefined;
        // With another master key the restored database does not start.
        await assert.rejects(
          startTestCollector({
            scheduler: false,
            databaseUrl: target.url,
            env: { DEVTRUST_MASTER_KEY: Buffer.alloc(32, 6).toString('base64') },
          }),
          /is not the one this database's secrets are sealed with/,
        );
      } finally {
        await c?.stop();
        await r?.stop();
        await source.drop();
        await target.drop();
      }
    },
  );

  it.skipIf(POSTGRES_SKIP)('a PostgreSQL collector answers 409 BACKUP_UNAVAILABLE, pointing at pg_dump', async () => {
    const c = await collectorOn('postgres', { scheduler: false });
    try {
      const answer = await c.admin('POST', '/admin/v1/backup');
      assert.equal(answer.status, 409);
      assert.equal(answer.body.error.code, 'BACKUP_UNAVAILABLE');
      assert.match(answer.body.error.message, /pg_dump/);
    } finally {
      await c.close();
    }
  });
});
