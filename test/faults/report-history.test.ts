import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { LIMITS } from '@devtrust/shared/protocol';
import { DATABASES, freshPostgresDatabase } from '../support/postgres.js';
import { ENROLLMENT_KEY, startTestCollector, type TestCollector } from '../support/collector.js';
import { RawChannel } from '../support/raw-channel.js';
import { describeUnless } from '../support/skip.js';

const report = (n: number) => ({
  agentVersion: 'history-test',
  collectedAt: new Date().toISOString(),
  identity: { platform: 'linux' as const, serialNumber: `HISTORY-${n}` },
});

for (const db of DATABASES) {
  /**
   * An outage uses up sequence numbers (every failed send took one): the history must keep
   * the last N stored reports, not the reports of the last N numbers.
   */
  describeUnless(db.skip)(`report history after an outage (${db.name})`, () => {
    let collector: TestCollector;
    let drop: (() => Promise<void>) | null = null;
    beforeAll(async () => {
      const pg = db.name === 'postgres' ? await freshPostgresDatabase() : null;
      drop = pg?.drop ?? null;
      collector = await startTestCollector({ databaseUrl: pg?.url ?? null });
    });
    afterAll(async () => {
      await collector?.stop();
      await drop?.();
    });

    it('keeps the last 20 stored reports per endpoint however far the sequence jumped', async () => {
      const ch = await RawChannel.open(collector.url);
      const { keys, endpointId } = await ch.enroll(ENROLLMENT_KEY);
      const send = async (seq: number): Promise<void> => {
        ch.send(ch.signed({ type: 'report', seq, report: report(seq) }, keys));
        assert.deepEqual(await ch.next((m) => m.type === 'ack' || m.type === 'error'), { type: 'ack', seq });
      };
      for (let seq = 1; seq <= 12; seq++) await send(seq);
      // 200 sends failed during the outage: the next stored one is number 213.
      for (let seq = 213; seq <= 217; seq++) await send(seq);
      const history = (await collector.admin('GET', `/admin/v1/endpoints/${endpointId}`)).body.history as { seq: number }[];
      assert.deepEqual(
        history.map((h) => h.seq),
        [217, 216, 215, 214, 213, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1],
      );
      // And past N, the oldest go first, whatever their numbers.
      for (let seq = 500; seq < 510; seq++) await send(seq);
      const after = (await collector.admin('GET', `/admin/v1/endpoints/${endpointId}`)).body.history as { seq: number }[];
      assert.equal(after.length, LIMITS.reportHistory);
      assert.deepEqual(after.at(-1)?.seq, 8);
      ch.close();
    });
  });
}
