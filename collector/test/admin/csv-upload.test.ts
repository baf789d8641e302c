import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { LIMITS } from '@devtrust/shared/protocol';
import { csvInventory } from '../../../test/support/app.js';
import { startTestCollector, type TestCollector } from '../../../test/support/collector.js';
import { DATABASES, freshPostgresDatabase } from '../../../test/support/postgres.js';
import { describeUnless } from '../../../test/support/skip.js';

/** CSV inventory uploads: a refused upload answers 400 naming the line and keeps the last good inventory. */
describe('CSV inventory upload: refused uploads keep the last good inventory', () => {
  let c: TestCollector;
  let id: string;
  const upload = (csv: string, query = '') =>
    c.admin('PUT', `/admin/v1/integrations/${id}/inventory${query}`, csv, { contentType: 'text/csv' });
  const has = async (serial: string) => (await c.admin('GET', `/admin/v1/integrations/${id}/identifiers/${serial}`)).body.found as boolean;
  const devices = async () => (await c.admin('GET', `/admin/v1/integrations/${id}`)).body.devices as number;

  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
    id = await csvInventory(c, 'serial_number,device_name\nKEEP-1,one\nKEEP-2,two\n');
  });
  afterAll(() => c.stop());

  const empties: [string, string][] = [
    ['an empty body', ''],
    ['a header only', 'serial_number,device_name\n'],
    ['a header and blank lines', 'serial_number,device_name\n\n\n'],
    ['a byte-order mark and a header', '\uFEFFserial_number\r\n'],
  ];
  for (const [name, csv] of empties) {
    it(`${name} is refused with 400 EMPTY_INVENTORY`, async () => {
      const response = await upload(csv);
      assert.equal(response.status, 400, JSON.stringify(response.body));
      assert.equal(response.body.error.code, 'EMPTY_INVENTORY');
      assert.match(response.body.error.message, /allowEmpty=true/);
      assert.equal(await devices(), 2);
      assert.equal(await has('KEEP-1'), true);
    });
  }

  // Every csv-parse error is about the upload: a 400 naming the line, never a 500.
  const malformed: [string, string, number][] = [
    ['a stray quote inside a field (INVALID_OPENING_QUOTE)', 'serial_number,device_name\nA1,ok\nA2,bad"name\n', 3],
    ['an unclosed quote (CSV_QUOTE_NOT_CLOSED)', 'serial_number,device_name\nA1,ok\nA2,"never closed\n', 3],
    // The line where the quoted field starts, not the end of the file where csv-parse gave up.
    ['an unclosed quote with rows after it', 'serial_number,device_name\n"A1,one\nA2,two\nA3,three\n', 2],
    ['an unclosed quote after an escaped one', 'serial_number,device_name\nA1,"say ""hi"" now"\nA2,"open\nA3,x\n', 3],
    ['text after a closing quote (CSV_INVALID_CLOSING_QUOTE)', 'serial_number,device_name\nA1,"quoted"x\n', 2],
    ['a row with an extra field (CSV_RECORD_INCONSISTENT_FIELDS_LENGTH)', 'serial_number,device_name\nA1,ok\nA2,ok,extra\n', 3],
    ['a row with a missing field', 'serial_number,device_name\nA1\n', 2],
  ];
  for (const [name, csv, line] of malformed) {
    it(`${name} → 400 INVALID_CSV naming line ${line}`, async () => {
      const response = await upload(csv);
      assert.equal(response.status, 400, JSON.stringify(response.body));
      assert.equal(response.body.error.code, 'INVALID_CSV');
      assert.match(response.body.error.message, new RegExp(`line ${line}\\b`));
      assert.equal(await devices(), 2);
    });
  }

  const tooLong: [string, string, number][] = [
    ['a 5 MB serial number', `serial_number\nA1\n${'S'.repeat(5 * 1024 * 1024)}\n`, 3],
    [
      `a serial number of ${LIMITS.maxIdentifierLength + 1} characters`,
      `serial_number\n${'S'.repeat(LIMITS.maxIdentifierLength + 1)}\n`,
      2,
    ],
    ['an over-long hardware UUID', `hardware_uuid\n${'a'.repeat(LIMITS.maxIdentifierLength + 1)}\n`, 2],
    ['an over-long machine GUID', `machine_guid\nX\n${'g'.repeat(LIMITS.maxIdentifierLength + 1)}\n`, 3],
    ['an over-long MAC address', `serial_number,mac_addresses\nA1,${'0'.repeat(LIMITS.maxIdentifierLength + 1)}\n`, 2],
    ['an over-long device name', `serial_number,device_name\nA1,${'n'.repeat(LIMITS.maxDeviceTextLength + 1)}\n`, 2],
  ];
  for (const [name, csv, line] of tooLong) {
    it(`${name} → 400 INVALID_CSV naming line ${line}, nothing stored`, async () => {
      const response = await upload(csv);
      assert.equal(response.status, 400, JSON.stringify(response.body).slice(0, 300));
      assert.equal(response.body.error.code, 'INVALID_CSV');
      assert.match(response.body.error.message, new RegExp(`line ${line}:`));
      assert.equal(await devices(), 2);
      assert.equal(await has('A1'), false);
    });
  }

  it(`a serial number of exactly ${LIMITS.maxIdentifierLength} characters is accepted`, async () => {
    // Varied characters: a run of one character is a placeholder, never matched.
    const serial = Array.from({ length: LIMITS.maxIdentifierLength }, (_, i) => 'ABCDEFGHJK'[i % 10]).join('');
    const response = await upload(`serial_number\nKEEP-1\n${serial}\n`);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.devices, 2);
    assert.equal(await has(serial), true);
  });

  it('rows for a platform the integration does not cover are kept, and the answer warns about them', async () => {
    const created = await c.admin('POST', '/admin/v1/integrations', { kind: 'csv', name: 'Macs only', platforms: ['macos'], config: {} });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const put = (csv: string) => c.admin('PUT', `/admin/v1/integrations/${created.body.id}/inventory`, csv, { contentType: 'text/csv' });
    const mixed = await put('serial_number,platform\nM1,macos\nL1,linux\nL2,linux\nL3,linux\nW1,windows\nU1,\n');
    assert.equal(mixed.status, 200, JSON.stringify(mixed.body));
    assert.equal(mixed.body.devices, 6);
    assert.deepEqual(mixed.body.warnings, [
      '3 rows are for linux, which this integration does not cover: they never match until linux is added to its platforms',
      '1 row is for windows, which this integration does not cover: it never matches until windows is added to its platforms',
    ]);
    const clean = await put('serial_number,platform\nM1,macos\nU1,\n');
    assert.deepEqual(clean.body.warnings, []);
  });

  // Names are compared folded, and an export's name as its column: these name one column twice
  // (the second was skipped as unused, whichever of the two held the serial).
  const twice: [string, string, string][] = [
    ['serial_number,SERIAL-NUMBER\nA1,A2\n', 'serial_number', 'SERIAL-NUMBER'],
    ['serial_number,Serial Number\nA1,A2\n', 'serial_number', 'Serial Number'],
    ['serial_number,SerialNumber\nA1,A2\n', 'serial_number', 'SerialNumber'],
    ['Serial,platform,serial_number\nA1,macos,A2\n', 'Serial', 'serial_number'],
  ];
  for (const [csv, first, second] of twice) {
    it(`a header naming one column twice (${first}, ${second}) → 400 INVALID_CSV naming both cells`, async () => {
      const response = await upload(csv);
      assert.equal(response.status, 400, JSON.stringify(response.body));
      assert.equal(response.body.error.code, 'INVALID_CSV');
      assert.equal(
        response.body.error.message,
        `CSV header: "${first}" and "${second}" are one column, named twice (names are compared without case, spaces and dashes count as underscores, and an export's name counts as the column it stands for): keep one`,
      );
      assert.equal(await devices(), 2);
    });
  }

  it('a column that holds no identifier may be named twice: the first is read, the rest skipped as unused', async () => {
    const response = await upload(
      'serial_number,Last check-in,Last Check In,Device Name,Device-Name,Wi-Fi MAC,Wi-Fi-MAC\nT1,x,y,first,second,aa:bb:cc:00:00:01,aa:bb:cc:00:00:02\nT2,x,y,,,,\n',
    );
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(await devices(), 2);
    // The device name is read from its first cell; the second, like the unused columns, is named.
    assert.match(
      JSON.stringify(response.body.warnings),
      /3 columns were not used: \\"Last check-in\\", \\"Last Check In\\", \\"Device-Name\\"/,
    );
  });

  it('?allowEmpty=true empties the inventory on purpose; another value is refused', async () => {
    const bad = await upload('serial_number\n', '?allowEmpty=yes');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, 'allowEmpty');
    assert.equal(await devices(), 2);
    const emptied = await upload('serial_number\n', '?allowEmpty=true');
    assert.equal(emptied.status, 200, JSON.stringify(emptied.body));
    assert.equal(emptied.body.devices, 0);
    assert.equal(await devices(), 0);
    assert.equal(await has('KEEP-1'), false);
  });
});

/**
 * Uploads (and syncs) of one integration at once, through one collector process: one runs, the
 * others get 409 SYNC_RUNNING. Two that both ran would stage two generations, and the first to
 * commit purged the other's rows before it switched to them: every upload answered "succeeded"
 * and the integration was left with no devices (seen on PostgreSQL, where the runs overlap).
 */
for (const db of DATABASES) {
  describeUnless(db.skip)(`concurrent uploads to one integration (${db.name})`, () => {
    let c: TestCollector;
    let drop: () => Promise<void> = async () => undefined;
    beforeAll(async () => {
      let databaseUrl: string | null = null;
      if (db.name === 'postgres') {
        const pg = await freshPostgresDatabase();
        databaseUrl = pg.url;
        drop = pg.drop;
      }
      c = await startTestCollector({ databaseUrl, scheduler: false });
    });
    afterAll(async () => {
      await c?.stop();
      await drop();
    });

    it('one runs, the others are refused with 409 SYNC_RUNNING, and the inventory is the one that ran', async () => {
      const id = await csvInventory(c, 'serial_number\nFIRST-1\n');
      for (let round = 0; round < 4; round++) {
        const uploads = await Promise.all(
          [0, 1, 2, 3].map((i) =>
            c.admin('PUT', `/admin/v1/integrations/${id}/inventory`, `serial_number\nR${round}-${i}-A\nR${round}-${i}-B\n`, {
              contentType: 'text/csv',
            }),
          ),
        );
        const statuses = uploads.map((u) => u.status);
        assert.ok(
          statuses.every((s) => s === 200 || s === 409),
          JSON.stringify(uploads.map((u) => u.body)),
        );
        for (const refused of uploads.filter((u) => u.status === 409)) assert.equal(refused.body.error.code, 'SYNC_RUNNING');
        const last = uploads.filter((u) => u.status === 200);
        assert.ok(last.length >= 1);
        const integration = (await c.admin('GET', `/admin/v1/integrations/${id}`)).body;
        assert.equal(integration.devices, 2, `round ${round}: ${statuses.join(',')} left ${integration.devices} devices`);
        assert.equal(integration.lastSync.status, 'succeeded');
      }
    });

    it('an integration deleted while its upload runs: the upload answers 404, not 500, and nothing of it is left', async () => {
      const id = await csvInventory(c, 'serial_number\nGONE-0\n', { name: 'Deleted while uploading' });
      const rows = Array.from({ length: 20_000 }, (_, i) => `GONE-${i}`).join('\n');
      const upload = c.admin('PUT', `/admin/v1/integrations/${id}/inventory`, `serial_number\n${rows}\n`, { contentType: 'text/csv' });
      // Deleted once the upload's run is under way.
      for (;;) {
        const runs = await c.admin('GET', `/admin/v1/integrations/${id}/syncs`);
        if (runs.body.syncs.some((r: { status: string; trigger: string }) => r.trigger === 'upload' && r.status === 'running')) break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      assert.equal((await c.admin('DELETE', `/admin/v1/integrations/${id}`)).status, 204);
      const answer = await upload;
      assert.equal(answer.status, 404, JSON.stringify(answer.body));
      assert.equal(answer.body.error.code, 'NOT_FOUND');
      assert.equal((await c.admin('GET', `/admin/v1/integrations/${id}`)).status, 404);
    });
  });
}
