import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { generateDeviceKey } from '@devtrust/shared/crypto';
import { EndpointService } from '@devtrust/collector/services/endpoints';
import { ReportWriter } from '@devtrust/collector/ws/report-writer';
import { DATABASES } from '../../../test/support/postgres.js';
import { openTestStore } from '../support/test-store.js';

const report = (i: number) => ({
  agentVersion: 'test',
  collectedAt: 'now',
  identity: { platform: 'linux' as const, serialNumber: `SN-WRITER-${i}`, hostname: `host-${i}` },
});

for (const { name: kind, skip } of DATABASES) {
  describe.skipIf(skip !== false)(`report group commit on ${kind}`, () => {
    it('a burst of reports is stored in a few large batches, not split over every writer allowed', async () => {
      const { store, close } = await openTestStore(kind, 'writer');
      try {
        const service = new EndpointService(store);
        const ids: string[] = [];
        for (let i = 0; i < 120; i++) ids.push((await store.endpoints.enroll(generateDeviceKey().publicKey)).id);
        // The real service and store; the batches it is handed are recorded on the way.
        const batches: number[] = [];
        const recordReports = service.recordReports.bind(service);
        service.recordReports = (items) => {
          batches.push(items.length);
          return recordReports(items);
        };
        const writer = new ReportWriter(service);
        const stored = await Promise.all(ids.map((id, i) => writer.write(id, 1, report(i), Date.now())));
        assert.ok(stored.every(Boolean));
        assert.equal(
          batches.reduce((a, b) => a + b, 0),
          ids.length,
        );
        // The first report is written at once (no timer); the rest queue behind it and go
        // together, another writer starting only for a queue of 50 or more. Started per
        // report, PostgreSQL's four writers took one report each: 1, 1, 1, 1, 116.
        assert.ok(batches.filter((n) => n < 10).length <= 1, `batches: ${batches.join(', ')}`);
        assert.ok(batches.length <= 4, `batches: ${batches.join(', ')}`);
        const rows = Number((await store.knex('report_history').count({ n: '*' }))[0]?.n);
        assert.equal(rows, ids.length);
      } finally {
        await close();
      }
    });
  });
}
