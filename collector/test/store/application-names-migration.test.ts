import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, it } from 'vitest';
import { describeUnless } from '../../../test/support/skip.js';
import { createKnex } from '@devtrust/collector/store/dialect';
import { Store } from '@devtrust/collector/store/store';
import { ApplicationNameTaken } from '@devtrust/collector/domain/application-name';
import { ApplicationService } from '@devtrust/collector/services/applications';
import { FindingsService } from '@devtrust/collector/services/findings';
import { AppError } from '@devtrust/collector/errors';
import { SYSTEM_ACTOR as ACTOR } from '@devtrust/collector/domain/admin-log';
import { DATABASES, freshPostgresDatabase } from '../../../test/support/postgres.js';
import { migrateTo } from '../../../test/support/migrate-to.js';

const BEFORE = '20261207100000_findings_at_scale';

/** An applications row as a release before names were compared could have written it. */
const row = (id: string, name: string, createdAt: number) => ({
  id,
  name,
  client_id: `dtc_${id}`,
  client_secret_hash: 'hash',
  client_secret_sealed: 'sealed',
  redirect_uris: '["https://app.example/cb"]',
  policy: '{}',
  reason_detail: 'summary',
  created_at: createdAt,
  updated_at: createdAt,
});

for (const db of DATABASES)
  describeUnless(db.skip)(`upgrading a database holding application names that read the same (${db.name})`, () => {
    let databaseUrl: string | null = null;
    let dir: string;
    let drop: (() => Promise<void>) | undefined;
    let store: Store | undefined;

    beforeAll(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'devtrust-app-names-'));
      if (db.name === 'postgres') {
        const pg = await freshPostgresDatabase();
        databaseUrl = pg.url;
        drop = pg.drop;
      }
      // The schema of the release before, with look-alike names in it.
      const { knex } = createKnex({ databaseUrl, dataDir: dir });
      await migrateTo(knex, BEFORE);
      await knex('applications').insert([
        row('app_a', 'Payroll', 1),
        row('app_b', 'PayroII', 2),
        row('app_c', 'P\u0430yroll', 3),
        row('app_d', 'HR', 4),
        row('app_e', 'HR2', 5),
        // Breaks the rules for new names (Cyrillic н among Latin letters, a box-drawing line), reads as no other.
        row('app_f', 'S\u043dop \u2502 EU', 6),
      ]);
      await knex.destroy();
    });
    afterAll(async () => {
      await store?.close();
      rmSync(dir, { recursive: true, force: true });
      await drop?.();
    });

    it('migrates, keys the oldest of each group, leaves the later ones unkeyed and names them in a warning', async () => {
      const lines: { level: number; msg: string; applications?: unknown }[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
          done();
        },
      });
      store = await Store.open({ databaseUrl, dataDir: dir, log: pino({ level: 'info' }, sink) });
      const keys = Object.fromEntries(
        ((await store.knex('applications').select('id', 'name_key').orderBy('id')) as { id: string; name_key: string | null }[]).map(
          (r) => [r.id, r.name_key],
        ),
      );
      assert.match(keys.app_a ?? '', /^[0-9a-f]{64}$/);
      assert.equal(keys.app_b, null);
      assert.equal(keys.app_c, null);
      assert.match(keys.app_d ?? '', /^[0-9a-f]{64}$/);
      assert.match(keys.app_e ?? '', /^[0-9a-f]{64}$/);
      assert.notEqual(keys.app_d, keys.app_e);
      // A name the rules would refuse today is keyed like any other: start-up does not check them.
      assert.match(keys.app_f ?? '', /^[0-9a-f]{64}$/);

      const warning = lines.find((l) => l.level === 40 && l.msg.includes('read the same'));
      assert.ok(warning, JSON.stringify(lines));
      assert.deepEqual(warning.applications, [
        { id: 'app_b', name: 'PayroII', readsAs: { id: 'app_a', name: 'Payroll' } },
        { id: 'app_c', name: 'P\u0430yroll', readsAs: { id: 'app_a', name: 'Payroll' } },
      ]);
      assert.ok(warning.msg.includes('app_b ("PayroII") reads as app_a ("Payroll")'), warning.msg);

      // The findings list them too, for admins who do not read the log.
      const { findings, counts } = await new FindingsService(store).list();
      const listed = findings.filter((f) => f.type === 'application-name-look-alike');
      assert.deepEqual(
        listed.map((f) => [f.applicationId, f.readsAs, f.severity]),
        [
          ['app_b', { id: 'app_a', name: 'Payroll' }, 'warning'],
          ['app_c', { id: 'app_a', name: 'Payroll' }, 'warning'],
        ],
      );
      assert.ok(
        listed[0]?.message.includes('app_b ("PayroII") has a name that reads the same as that of app_a ("Payroll")'),
        listed[0]?.message,
      );
      assert.equal(counts.byType['application-name-look-alike'], 2);
    });

    it('refuses a new look-alike after the upgrade, and hands the key on when the oldest is renamed', async () => {
      assert.ok(store);
      await assert.rejects(
        store.applications.create({
          name: 'PAYROLL',
          clientId: 'dtc_new',
          secretHash: 'h',
          secretSealed: 's',
          redirectUris: ['https://app.example/cb'],
          policy: {},
          reasonDetail: 'summary',
        }),
        ApplicationNameTaken,
      );
      const applications = new ApplicationService(store, Buffer.alloc(32));
      // Renaming one unkeyed look-alike to another look-alike is refused, naming the key's holder.
      await assert.rejects(
        applications.patch('app_c', { name: 'payroll' }, ACTOR),
        (error: unknown) => error instanceof AppError && error.code === 'APPLICATION_NAME_TAKEN' && error.message.includes('app_a'),
      );
      // The holder renamed away: the oldest look-alike left takes the key; the other stays listed.
      await applications.patch('app_a', { name: 'Payroll (retired)' }, ACTOR);
      const held = (await store.knex('applications').where({ id: 'app_b' }).first('name_key')) as { name_key: string | null };
      assert.match(held.name_key ?? '', /^[0-9a-f]{64}$/);
      assert.deepEqual(await store.applications.lookAlikes(), [
        { id: 'app_c', name: 'P\u0430yroll', readsAs: { id: 'app_b', name: 'PayroII' } },
      ]);
      // A name stored before the rules may be sent back unchanged (the console sends every field),
      // but not changed to another name that breaks them.
      const kept = await applications.patch('app_f', { name: 'S\u043dop \u2502 EU', redirectUris: ['https://app.example/cb2'] }, ACTOR);
      assert.equal(kept?.name, 'S\u043dop \u2502 EU');
      await assert.rejects(
        applications.patch('app_f', { name: 'S\u043dop \u2502 EU 2' }, ACTOR),
        (error: unknown) => error instanceof AppError && error.status === 400 && error.code === 'APPLICATION_NAME_CHARACTER_REFUSED',
      );
      await assert.rejects(
        applications.patch('app_f', { name: 'S\u043dop EU 2' }, ACTOR),
        (error: unknown) =>
          error instanceof AppError && error.code === 'APPLICATION_NAME_MIXED_SCRIPTS' && error.message.includes('U+043D'),
      );
      // Renamed to a name of its own, the last look-alike is keyed and listed no more.
      await applications.patch('app_c', { name: 'Payroll EU' }, ACTOR);
      assert.deepEqual(await store.applications.lookAlikes(), []);
    });
  });
