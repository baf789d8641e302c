import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { AppError } from '@devtrust/collector/errors';
import { parseCsvInventory } from '@devtrust/collector/sync/csv/parse';

async function serials(text: string): Promise<(string | null)[]> {
  const found: (string | null)[] = [];
  for await (const page of parseCsvInventory(text)) found.push(...page.map((d) => d.serialNumber ?? null));
  return found;
}

async function refusal(text: string): Promise<AppError> {
  try {
    await serials(text);
  } catch (error) {
    assert.ok(error instanceof AppError);
    return error;
  }
  assert.fail('the file was accepted');
}

describe('CSV line ends', () => {
  it('rows are rows whichever line end each uses (a CRLF header over LF rows held one device, "C01C02C03C04")', async () => {
    const rows = ['C01', 'C02', 'C03', 'C04'];
    for (const [header, rowEnd] of [
      ['\r\n', '\n'],
      ['\n', '\r\n'],
      ['\r', '\n'],
      ['\r\n', '\r'],
    ]) {
      const text = `serial_number${header}${rows.join(rowEnd)}${rowEnd}`;
      assert.deepEqual(await serials(text), rows, JSON.stringify(text));
    }
    assert.deepEqual(await serials('serial_number,platform\r\nC01,macos\nC02,windows\r\nC03,linux\rC04,macos'), rows);
  });

  it('an identifier in a quoted cell spanning lines is refused, naming the line; a MAC cell spanning lines holds two MACs', async () => {
    for (const column of ['serial_number', 'hardware_uuid', 'machine_guid']) {
      const error = await refusal(`${column},platform\nA1,macos\n"C01\nC02",macos\n`);
      assert.equal(error.code, 'INVALID_CSV');
      assert.match(error.message, new RegExp(`line \\d+: ${column} holds a line break`));
    }
    // MAC cells are lists: a line break separates two MACs, as a space does.
    const macs: (string | null | undefined)[][] = [];
    for await (const page of parseCsvInventory('mac_addresses\n"02:fc:00:00:00:01\n02:fc:00:00:00:02"\n'))
      macs.push(...page.map((d) => d.macAddresses ?? []));
    assert.deepEqual(macs, [['02:fc:00:00:00:01', '02:fc:00:00:00:02']]);
  });
});
