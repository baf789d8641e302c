import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, it } from 'vitest';
import { startTestCollector, type TestCollector } from '../../../test/support/collector.js';
import { DATABASES, freshPostgresDatabase } from '../../../test/support/postgres.js';
import { describeUnless } from '../../../test/support/skip.js';
import { overrideVendorClientForTests } from '@devtrust/collector/sync/kit/vendor-client';
import { kandjiDevice, startKandjiServer, type KandjiServer } from '../vendors/mdm/kandji.js';
import { startSilentListener } from '../vendors/loopback.js';
import { ListInventory } from '../vendors/mdm/server-kit.js';
import { FAST_RETRY, range, waitForRun } from './mdm/harness.js';

const TOKEN = 'kandji-token-slots-0001';

/**
 * A collector on `db` (its scheduler driven by the test), a vendor that accepts connections and
 * never answers, and a Kandji server listing three devices; `warnings` collects the warnings logged.
 */
function useSlotsCollector(db: (typeof DATABASES)[number], warnings?: { msg: string; integrationId?: string }[]) {
  const env = {} as {
    c: TestCollector;
    silent: Awaited<ReturnType<typeof startSilentListener>>;
    kandji: KandjiServer;
    create(name: string, baseUrl: string, schedule?: Record<string, unknown>): Promise<string>;
  };
  let drop: () => Promise<void> = async () => undefined;
  let restore: () => void = () => undefined;
  env.create = async (name, baseUrl, schedule = { intervalMinutes: 1 }) => {
    const created = await env.c.admin('POST', '/admin/v1/integrations', {
      kind: 'kandji',
      name,
      platforms: ['macos'],
      config: { baseUrl, apiToken: TOKEN },
      schedule,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.id as string;
  };
  beforeAll(async () => {
    restore = overrideVendorClientForTests(FAST_RETRY);
    let databaseUrl: string | null = null;
    if (db.name === 'postgres') {
      const pg = await freshPostgresDatabase();
      databaseUrl = pg.url;
      drop = pg.drop;
    }
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) warnings?.push(JSON.parse(line));
        done();
      },
    });
    const log = warnings ? { log: pino({ level: 'warn' }, sink) } : {};
    env.c = await startTestCollector({ databaseUrl, scheduler: false, ...log });
    env.silent = await startSilentListener();
    env.kandji = await startKandjiServer({ apiToken: TOKEN, inventory: new ListInventory(range(0, 3).map(kandjiDevice)) });
  });
  afterAll(async () => {
    restore();
    await env.c?.stop();
    await Promise.all([env.silent?.close(), env.kandji?.close()]);
    await drop();
  });
  return env;
}

/**
 * Manual runs against vendors that never answer. They used to count against the scheduled bound
 * (2) while ignoring it themselves: four of them ran at once and no scheduled sync of any
 * integration started for as long as they hung. Scheduled runs now have slots of their own, and a
 * manual run beyond its bound (4) is refused with 409 SYNC_SLOTS_FULL naming the runs.
 */
for (const db of DATABASES) {
  describeUnless(db.skip)(`sync slots: manual runs neither starve scheduled ones nor pile up (${db.name})`, () => {
    const env = useSlotsCollector(db);

    const ids: string[] = [];

    it('with four manual runs hanging on a silent vendor, a due scheduled sync still starts and finishes', async () => {
      const { c, silent, kandji, create } = env;
      for (const name of ['Hangs A', 'Hangs B', 'Hangs C', 'Hangs D']) {
        const id = await create(name, silent.url);
        const started = await c.admin('POST', `/admin/v1/integrations/${id}/sync`);
        assert.equal(started.status, 202, JSON.stringify(started.body));
        ids.push(id);
      }
      // Due (intervalMinutes: 1): it starts on the next tick, driven here rather than waited for.
      const scheduled = await create('Answers', kandji.url);
      await c.services.engine.tick(Date.now() + 5 * 60_000);
      const runs = (await c.admin('GET', `/admin/v1/integrations/${scheduled}/syncs`)).body.syncs as any[];
      assert.equal(runs.length, 1, 'the scheduled sync started');
      assert.equal(runs[0].trigger, 'schedule');
      const finished = await waitForRun(c, scheduled, runs[0].id);
      assert.equal(finished.status, 'succeeded', finished.error);
      assert.equal(finished.devices, 3);
      // The hanging integrations were due too: they are running already and got no second run.
      for (const id of ids) assert.equal((await c.admin('GET', `/admin/v1/integrations/${id}/syncs`)).body.syncs.length, 1);
    }, 60_000);

    it('a fifth manual run is refused with 409 SYNC_SLOTS_FULL naming the four; a cancel frees a slot', async () => {
      const { c, silent, create } = env;
      // Not scheduled: only its manual runs are in question.
      const fifth = await create('Hangs E', silent.url, { enabled: false });
      const refused = await c.admin('POST', `/admin/v1/integrations/${fifth}/sync`);
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.equal(refused.body.error.code, 'SYNC_SLOTS_FULL');
      assert.equal(
        refused.body.error.message,
        '4 manual syncs are already running in this collector (Hangs A, Hangs B, Hangs C, Hangs D); wait for one to end or cancel one, then start this sync again',
      );
      assert.equal((await c.admin('GET', `/admin/v1/integrations/${fifth}/syncs`)).body.syncs.length, 0, 'no run was started');

      assert.equal((await c.admin('POST', `/admin/v1/integrations/${ids[0]}/sync/cancel`)).status, 200);
      const next = await c.admin('POST', `/admin/v1/integrations/${fifth}/sync`);
      assert.equal(next.status, 202, JSON.stringify(next.body));
      for (const id of [...ids.slice(1), fifth])
        assert.equal((await c.admin('POST', `/admin/v1/integrations/${id}/sync/cancel`)).status, 200);
    }, 60_000);
  });

  /**
   * A due integration that finds every scheduled slot taken says so on the integration
   * (`syncWaiting`) and in one warning per wait; late syncs used to be silent.
   */
  describeUnless(db.skip)(`sync slots: a scheduled sync kept waiting for a slot is reported (${db.name})`, () => {
    const warnings: { msg: string; integrationId?: string }[] = [];
    const env = useSlotsCollector(db, warnings);
    const integration = async (id: string) => (await env.c.admin('GET', `/admin/v1/integrations/${id}`)).body;

    it('says since when and behind which runs, warns once, and starts once a slot is free', async () => {
      const { c, silent, kandji, create } = env;
      // Ticks all at one instant, two minutes ahead: the slow ones are due at the first only.
      const at = Date.now() + 2 * 60_000;
      const slow1 = await create('Slow 1', silent.url, { intervalMinutes: 1 });
      const slow2 = await create('Slow 2', silent.url, { intervalMinutes: 1 });
      const late = await create('Late', kandji.url, { enabled: false });
      await c.services.engine.tick(at);
      for (const id of [slow1, slow2]) assert.equal((await integration(id)).lastSync?.status, 'running');

      const due = await c.admin('PATCH', `/admin/v1/integrations/${late}`, { schedule: { intervalMinutes: 1 } });
      assert.equal(due.status, 200, JSON.stringify(due.body));
      const dueAt = due.body.nextSyncAt as number;
      assert.equal(due.body.syncWaiting, null);
      await c.services.engine.tick(at);
      await c.services.engine.tick(at);

      const waiting = (await integration(late)).syncWaiting;
      assert.ok(waiting, 'the integration says its sync waits');
      assert.equal(waiting.since, dueAt);
      assert.deepEqual([...waiting.running].sort(), ['Slow 1', 'Slow 2']);
      assert.match(waiting.message, /^waiting for a free sync slot since \d{4}-\d\d-\d\dT[\d:.]+Z; running: Slow [12], Slow [12]$/);
      assert.equal(waiting.message.includes(new Date(dueAt).toISOString()), true);
      assert.equal((await integration(late)).lastSync, null, 'it did not start');
      const logged = warnings.filter((w) => w.integrationId === late && w.msg.startsWith('scheduled sync late'));
      assert.equal(logged.length, 1, 'one warning for the wait, not one per tick');
      assert.equal(logged[0]?.msg, `scheduled sync late: ${waiting.message}`);
      for (const id of [slow1, slow2]) assert.equal((await integration(id)).syncWaiting, null, 'a running integration is not waiting');

      assert.equal((await c.admin('POST', `/admin/v1/integrations/${slow1}/sync/cancel`)).status, 200);
      await c.services.engine.tick(at);
      const started = await integration(late);
      assert.equal(started.syncWaiting, null, 'the wait ended');
      assert.equal(started.lastSync?.trigger, 'schedule');
      assert.equal((await waitForRun(c, late, started.lastSync.id)).status, 'succeeded');
      assert.equal((await c.admin('POST', `/admin/v1/integrations/${slow2}/sync/cancel`)).status, 200);
    }, 60_000);
  });
}
