import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import pino from 'pino';
import { createCsvIntegration, openTestStore } from '../support/test-store.js';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES } from '../../../test/support/postgres.js';
import type { Store } from '@devtrust/collector/store/store';
import { SyncEngine } from '@devtrust/collector/sync/engine';
import type { SourceDevice } from '@devtrust/collector/sync/source';
import { VendorError } from '@devtrust/collector/sync/kit/vendor-error';

/**
 * The sync engine reads the next vendor page while it writes the current one, and writes its
 * progress and lease once a second rather than per page. What it guaranteed before still
 * holds: a run that lost its lease never replaces the inventory, and the run history shows
 * every staged page even when the vendor stops answering.
 */
const NODE = 'test-host:1:engine';

const devices = (prefix: string, count: number): SourceDevice[] =>
  Array.from({ length: count }, (_, i) => ({ externalId: `${prefix}-${i}`, serialNumber: `${prefix}SN${i}`, platform: 'windows' }));

for (const db of DATABASES) {
  describeUnless(db.skip)(`sync engine pages on ${db.name}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    let engine: SyncEngine;
    beforeAll(async () => {
      ({ store, close } = await openTestStore(db.name, 'engine-pages'));
      engine = new SyncEngine({ store, masterKey: Buffer.alloc(32), log: pino({ level: 'silent' }), node: NODE });
    });
    afterAll(async () => {
      await engine.stop();
      await close();
    });

    const integration = (name: string): Promise<string> => createCsvIntegration(store, name, ['windows']);

    const serials = async (id: string): Promise<string[]> =>
      (await store.knex('inventory_records').join('integrations', 'integrations.current_generation', 'inventory_records.generation'))
        .filter((r: { integration_id: string }) => r.integration_id === id)
        .map((r: { serial_number: string }) => r.serial_number)
        .sort();

    it('a run whose lease another collector took keeps the last good inventory', async () => {
      const id = await integration('lease');
      const first = await engine.ingest(
        id,
        (async function* () {
          yield devices('GOOD', 3);
        })(),
      );
      assert.equal(first.status, 'succeeded');

      async function* stolen(): AsyncGenerator<SourceDevice[]> {
        yield devices('NEW', 2);
        // Another collector finds the lease expired and takes it while this run still reads.
        await store.integrations.releaseLease(id, NODE);
        assert.ok(await store.integrations.acquireLease(id, 'other-host:2:engine', Date.now() + 60_000, Date.now()));
        yield devices('NEWER', 2);
      }
      const run = await engine.ingest(id, stolen());
      assert.equal(run.status, 'failed');
      assert.deepEqual(await serials(id), ['GOODSN0', 'GOODSN1', 'GOODSN2']);
      assert.equal(await store.inventory.count(id), 3);
      await store.integrations.releaseLease(id, 'other-host:2:engine');
    });

    it('the run history shows every staged page while the vendor stops answering', async () => {
      const id = await integration('progress');
      let release!: () => void;
      const stalled = new Promise<void>((resolve) => (release = resolve));
      async function* slowVendor(): AsyncGenerator<SourceDevice[]> {
        for (let page = 0; page < 4; page++) yield devices(`P${page}X`, 5);
        await stalled;
      }
      const done = engine.ingest(id, slowVendor());
      let seen = { pages: 0, devices: 0 };
      try {
        for (let i = 0; i < 200 && seen.pages < 4; i++) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          const running = await store.syncRuns.running(id);
          if (running) seen = { pages: running.pages, devices: running.devices };
        }
      } finally {
        release();
      }
      assert.deepEqual(seen, { pages: 4, devices: 20 });
      const run = await done;
      assert.equal(run.status, 'succeeded');
      assert.equal(await store.inventory.count(id), 20);
    });

    it('a vendor failure after a page of several statements leaves none of its rows behind', async () => {
      const id = await integration('failed-overlap');
      const good = await engine.ingest(
        id,
        (async function* () {
          yield devices('GOOD', 3);
        })(),
      );
      assert.equal(good.status, 'succeeded');
      // Several statements on either database (parts of at most 200 records on SQLite).
      async function* failing(): AsyncGenerator<SourceDevice[]> {
        yield devices('LOST', 1_100);
        throw new VendorError('VENDOR_UNAVAILABLE', 'the vendor went away');
      }
      const run = await engine.ingest(id, failing());
      assert.equal(run.status, 'failed');
      assert.deepEqual(await serials(id), ['GOODSN0', 'GOODSN1', 'GOODSN2']);
      const left = await store.knex('inventory_records').where({ integration_id: id }).count<{ n: number | string }[]>({ n: '*' });
      assert.equal(Number(left[0]?.n), 3);
    });

    /** Rows of the integration in any generation: the last good inventory and anything staged. */
    const allRows = async (id: string): Promise<number> =>
      Number((await store.knex('inventory_records').where({ integration_id: id }).count<{ n: number | string }[]>({ n: '*' }))[0]?.n);

    /** A last good inventory of three devices. */
    async function withGoodInventory(name: string): Promise<string> {
      const id = await integration(name);
      const good = await engine.ingest(
        id,
        (async function* () {
          yield devices('GOOD', 3);
        })(),
      );
      assert.equal(good.status, 'succeeded');
      return id;
    }

    it('shows readers the last good inventory until the switch, then the whole new one at once', async () => {
      const id = await withGoodInventory('switch');
      const seenDuring: { count: number; newFound: number; goodFound: number }[] = [];
      async function* pages(): AsyncGenerator<SourceDevice[]> {
        for (let page = 0; page < 4; page++) {
          yield devices(`NEW${page}X`, 400);
          // The pages before this one are in the table (a write may still be in flight for the last).
          for (let i = 0; i < 400 && (await allRows(id)) < 3 + 400 * page; i++) await new Promise((resolve) => setTimeout(resolve, 5));
          seenDuring.push({
            count: await store.inventory.count(id),
            newFound: (await store.inventory.findByIdentifier('serialNumber', 'NEW0XSN0', [id])).length,
            goodFound: (await store.inventory.findByIdentifier('serialNumber', 'GOODSN1', [id])).length,
          });
        }
      }
      const run = await engine.ingest(id, pages());
      assert.equal(run.status, 'succeeded');
      assert.ok(seenDuring.length === 4);
      assert.deepEqual(
        seenDuring,
        seenDuring.map(() => ({ count: 3, newFound: 0, goodFound: 1 })),
        'staged pages are never seen before the switch',
      );
      assert.equal(await store.inventory.count(id), 1_600);
      assert.equal((await store.inventory.findByIdentifier('serialNumber', 'NEW3XSN399', [id])).length, 1);
      assert.equal((await store.inventory.findByIdentifier('serialNumber', 'GOODSN1', [id])).length, 0);
      assert.equal(await allRows(id), 1_600, 'the previous inventory was deleted after the switch');
    });

    it('a write the database refuses fails the run at once; the last good inventory stays and nothing staged is left', async () => {
      const id = await withGoodInventory('refused');
      // A real refusal by the database, for the rows of one page only.
      if (db.name === 'sqlite') {
        await store.knex.raw(
          "create trigger test_refuse before insert on inventory_records when new.serial_number like 'REFUSED%' begin select raise(abort, 'refused by the test'); end",
        );
      } else {
        await store.knex.raw(
          "create function test_refuse() returns trigger language plpgsql as $$ begin if new.serial_number like 'REFUSED%' then raise exception 'refused by the test'; end if; return new; end $$",
        );
        await store.knex.raw('create trigger test_refuse before insert on inventory_records for each row execute function test_refuse()');
      }
      let served = 0;
      async function* pages(): AsyncGenerator<SourceDevice[]> {
        for (let page = 0; page < 20; page++) {
          served++;
          // Page 3 is refused; the pages around it are written in several statements.
          yield page === 2 ? devices('REFUSED', 50) : devices(`OK${page}X`, 700);
        }
      }
      try {
        const run = await engine.ingest(id, pages());
        assert.equal(run.status, 'failed');
        assert.match(run.error ?? '', /internal error/);
      } finally {
        await store.knex.raw('drop trigger test_refuse' + (db.name === 'sqlite' ? '' : ' on inventory_records'));
        if (db.name === 'postgres') await store.knex.raw('drop function test_refuse()');
      }
      // The refused page's write ends the run once the page after it is normalised: no further page is asked for.
      assert.ok(served <= 5, `${served} pages read`);
      assert.deepEqual(await serials(id), ['GOODSN0', 'GOODSN1', 'GOODSN2']);
      assert.equal(await allRows(id), 3);
    });

    it('a run cancelled while a page is being written keeps the last good inventory and leaves nothing staged', async () => {
      const id = await withGoodInventory('cancel-in-flight');
      async function* pages(): AsyncGenerator<SourceDevice[]> {
        yield devices('BIG', 2_000);
        // Asked for while the first page is written (several statements): the cancel lands then.
        void engine.cancel(id);
        await new Promise((resolve) => setTimeout(resolve, 20));
        yield devices('AFTER', 10);
        yield devices('NEVER', 10);
      }
      const run = await engine.ingest(id, pages());
      assert.equal(run.status, 'cancelled');
      assert.deepEqual(await serials(id), ['GOODSN0', 'GOODSN1', 'GOODSN2']);
      assert.equal(await allRows(id), 3);
    });
  });
}
