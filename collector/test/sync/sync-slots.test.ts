import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { startTestCollector, type TestCollector } from '../../../test/support/collector.js';
import { DATABASES, freshPostgresDatabase } from '../../../test/support/postgres.js';
import { describeUnless } from '../../../test/support/skip.js';
import { overrideVendorClientForTests } from '@devtrust/collector/sync/kit/vendor-client';
import { kandjiDevice, startKandjiServer, type KandjiServer } from '../vendors/mdm/kandji.js';
import { startSilentListener } from '../vendors/loopback.js';
import { ListInventory } from '../vendors/mdm/server-kit.js';
import { FAST_RETRY, range, waitForRun } from './mdm/harness.js';

/**
 * Manual runs against vendors that never answer. They used to count against the scheduled bound
 * (2) while ignoring it themselves: four of them ran at once and no scheduled sync of any
 * integration started for as long as they hung. Scheduled runs now have slots of their own, and a
 * manual run beyond its bound (4) is refused with 409 SYNC_SLOTS_FULL naming the runs.
 */
for (const db of DATABASES) {
  describeUnless(db.skip)(`sync slots: manual runs neither starve scheduled ones nor pile up (${db.name})`, () => {
    let c: TestCollector;
    let drop: () => Promise<void> = async () => undefined;
    let silent: Awaited<ReturnType<typeof startSilentListener>>;
    let kandji: KandjiServer;
    let restore: () => void;
    const TOKEN = 'kandji-token-slots-0001';

    const create = async (name: string, baseUrl: string, schedule: Record<string, unknown> = { intervalMinutes: 1 }) => {
      const created = await c.admin('POST', '/admin/v1/integrations', {
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
      c = await startTestCollector({ databaseUrl, scheduler: false });
      silent = await startSilentListener();
      kandji = await startKandjiServer({ apiToken: TOKEN, inventory: new ListInventory(range(0, 3).map(kandjiDevice)) });
    });
    afterAll(async () => {
      restore();
      await c?.stop();
      await Promise.all([silent?.close(), kandji?.close()]);
      await drop();
    });

    const ids: string[] = [];

    it('with four manual runs hanging on a silent vendor, a due scheduled sync still starts and finishes', async () => {
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
}
