import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import type { Knex } from 'knex';
import type { Report } from '@devtrust/shared/protocol';
import { csvInventory } from '../support/app.js';
import { startTestCollector, type TestCollector } from '../support/collector.js';
import { DATABASES, freshPostgresDatabase } from '../support/postgres.js';
import { describeUnless } from '../support/skip.js';
import { insertEndpoints, statementsOf } from '../support/fleet-rows.js';

const DAY = 24 * 3_600_000;
const HOUR = 3_600_000;

interface Finding {
  type: string;
  severity: string;
  endpointId?: string;
  of?: string;
  count?: number;
  value?: string;
}
interface FindingsBody {
  findings: Finding[];
  counts: { total: number; error: number; warning: number; info: number; byType: Record<string, number> };
}

const report = (serialNumber: string | undefined, hostname: string): Report => ({
  agentVersion: '1.0.0',
  collectedAt: '2026-12-07T00:00:00Z',
  identity: { platform: 'linux', hostname, ...(serialNumber !== undefined ? { serialNumber } : {}) },
  posture: { diskEncryption: true, firewall: true },
});

for (const db of DATABASES) {
  describeUnless(db.skip)(`findings and the dashboard at fleet scale (${db.name})`, () => {
    let c: TestCollector;
    let drop: (() => Promise<void>) | null = null;
    let knex: Knex;
    beforeAll(async () => {
      const pg = db.name === 'postgres' ? await freshPostgresDatabase() : null;
      drop = pg?.drop ?? null;
      c = await startTestCollector({ scheduler: false, ...(pg ? { databaseUrl: pg.url } : {}) });
      knex = c.store.knex;
    });
    afterAll(async () => {
      await c?.stop();
      await drop?.();
    });

    const findings = async (): Promise<FindingsBody> => (await c.admin('GET', '/admin/v1/findings')).body as FindingsBody;
    const dashboard = async (): Promise<FindingsBody['counts']> => (await c.admin('GET', '/admin/v1/dashboard')).body.findings;

    it('finds a placeholder serial on an endpoint past the first 1,000, and forgets it once the endpoint stops reporting it', async () => {
      const now = Date.now();
      await insertEndpoints(knex, 'ep_fleet_', 1_100, now);
      // Seen a day before the 1,100 others: last in every listing by last seen.
      const { id } = await c.store.endpoints.enroll('placeholder-key'.padEnd(43, 'A'));
      assert.equal(await c.store.endpoints.recordReport(id, 1, report('To Be Filled By O.E.M.', 'whitebox'), now - DAY), true);

      const listed = await findings();
      const placeholder = listed.findings.filter((f) => f.type === 'placeholder-endpoint-identifier');
      assert.deepEqual(
        placeholder.map((f) => [f.endpointId, f.value]),
        [[id, 'To Be Filled By O.E.M.']],
      );
      assert.equal(listed.counts.byType['placeholder-endpoint-identifier'], 1);
      assert.equal((await dashboard()).info, listed.counts.info);

      // The same identifiers otherwise: only the placeholder changed, and it is no longer listed.
      assert.equal(await c.store.endpoints.recordReport(id, 2, report(undefined, 'whitebox'), now - DAY + 1), true);
      const after = await findings();
      assert.equal(after.findings.filter((f) => f.type === 'placeholder-endpoint-identifier').length, 0);
      assert.equal(after.counts.byType['placeholder-endpoint-identifier'], 0);
    });

    it('lists the first 50 silent endpoints, newest silence first, and counts the rest in one finding', async () => {
      const now = Date.now();
      // 60 silent: the i-th last seen 4 days and i hours ago.
      await insertEndpoints(knex, 'ep_silent_', 60, now, (i) => {
        const seen = now - 4 * DAY - i * HOUR;
        return { last_seen_at: seen, last_seen_hour: seen - (seen % HOUR) };
      });
      const { findings: list, counts } = await findings();
      const silent = list.filter((f) => f.type === 'endpoint-silent');
      assert.deepEqual(
        silent.map((f) => f.endpointId),
        Array.from({ length: 50 }, (_, i) => `ep_silent_${i}`),
      );
      const more = list.filter((f) => f.type === 'more-findings');
      assert.deepEqual(
        more.map((f) => [f.of, f.count, f.severity]),
        [['endpoint-silent', 10, 'warning']],
      );
      assert.equal(counts.byType['endpoint-silent'], 60);
      assert.equal(
        counts.total,
        Object.values(counts.byType).reduce((a, b) => a + b, 0),
      );
      const board = await dashboard();
      assert.deepEqual(board, { total: counts.total, error: counts.error, warning: counts.warning, info: counts.info });
    });

    it('the dashboard runs as many statements with more duplicates, approvals, placeholders and inventory, and reads no inventory record', async () => {
      const inventoryOf = (n: number): string =>
        `serial_number,device_name\n${Array.from({ length: n }, (_, i) => `INV-${i % Math.ceil(n / 2)},device-${i}`).join('\n')}\nNot Specified,blank\n`;
      const integrationId = await csvInventory(c, inventoryOf(4), { name: 'Scale inventory' });
      const count = async (): Promise<string[]> => statementsOf(knex, () => c.admin('GET', '/admin/v1/dashboard'));
      const before = await count();

      const now = Date.now();
      // Four values each reported by two endpoints, four endpoints pending on four holders.
      await insertEndpoints(knex, 'ep_more_', 8, now, (i) => ({ serial_number: `CLONE${i >> 1}` }));
      await insertEndpoints(knex, 'ep_wait_', 4, now, (i) => ({
        approval: 'pending',
        approval_claims: JSON.stringify([{ kind: 'serialNumber', value: `EP_FLEET_SERIAL${i}`, heldBy: [`ep_fleet_${i}`] }]),
      }));
      const upload = await c.admin('PUT', `/admin/v1/integrations/${integrationId}/inventory`, inventoryOf(400), {
        contentType: 'text/csv',
      });
      assert.equal(upload.status, 200);

      const after = await count();
      assert.equal(after.length, before.length, `before:\n${before.join('\n')}\n\nafter:\n${after.join('\n')}`);
      assert.deepEqual(
        after.filter((sql) => /inventory_records/.test(sql)),
        [],
      );
      // What grew was found all the same.
      const grown = await findings();
      assert.ok((grown.counts.byType['duplicate-endpoint-identifier'] ?? 0) >= 4, JSON.stringify(grown.counts));
      assert.ok((grown.counts.byType['endpoint-pending-approval'] ?? 0) >= 4, JSON.stringify(grown.counts));
      assert.equal(grown.counts.byType['duplicate-inventory-identifier'], 200);
      assert.equal(grown.counts.byType['placeholder-inventory-identifier'], 1);

      // An inventory committed before its counts were kept (or counts of another generation) is counted as it is read.
      await knex('integrations').where({ id: integrationId }).update({ inventory_findings: null });
      const live = await findings();
      assert.deepEqual(live.counts, grown.counts);
      assert.equal((await c.admin('GET', `/admin/v1/integrations/${integrationId}`)).body.devices, 401);
    });
  });
}
