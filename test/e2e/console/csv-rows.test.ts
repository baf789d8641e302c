import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { parseCsvInventory } from '@devtrust/collector/sync/csv/parse';
import { ALIASES, CSV_COLUMNS, IDENTIFIER_COLUMNS } from '@devtrust/collector/sync/csv/columns';
// The console's check: served to the browser as is, so it is plain JavaScript.
// @ts-expect-error -- plain JavaScript without declarations
import { hasNoDeviceRows } from '../../../collector/src/console/assets/js/csv-rows.js';
// @ts-expect-error -- plain JavaScript without declarations
import { identifierColumnOf } from '../../../collector/src/console/assets/js/csv-header.js';

/** What the collector makes of an upload without allowEmpty: its device count, or its error code. */
async function collectorReads(text: string): Promise<number | string> {
  let devices = 0;
  try {
    for await (const page of parseCsvInventory(text)) devices += page.length;
    return devices;
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

const HEADER = 'serial_number,hardware_uuid,machine_guid,device_name,platform,owner';
// [case, file, the console sees no device rows]
const CASES: [string, string, boolean][] = [
  ['the template: header only', `${HEADER}\n`, true],
  ['header without a line break', HEADER, true],
  ['header, CRLF and blank lines', `${HEADER}\r\n\r\n   \r\n\t\n`, true],
  ['BOM and header', `\uFEFF${HEADER}\n`, true],
  ['empty lines before the header', `\n\n${HEADER}\n`, true],
  ['an empty file', '', true],
  ['a quoted header field holding a line break', `"serial_number","device\nname"\n\n`, true],
  ['a quoted header field holding a line break, then a row', `"serial_number","device\nname"\nS1,x\n`, false],
  ['one row', `${HEADER}\nC02X,,,,macos,\n`, false],
  ['one row after blank lines', `${HEADER}\n\n\nC02X,,,,macos,\n`, false],
  ['a row of only commas', `${HEADER}\n,,,,,\n`, false],
  ['a header quote never closed', `"serial_number,platform\n`, false],
  ['a no-break space line (left to the collector)', `${HEADER}\n\u00A0\n`, false],
  ['blank lines with blanks in them before the header', ` \t\r\n\n  \n${HEADER}\n`, true],
  ['an export header, names as the MDM writes them', 'Serial Number,Computer Name,Wi-Fi MAC Address,Model\n', true],
  ['MAC columns named twice (Wi-Fi and Ethernet)', 'serial_number,Wi-Fi MAC,Ethernet MAC\n', true],
  // The attacker's F9: no header at all. The collector refuses it (INVALID_CSV: the header names no
  // identifier); asking "Empty the inventory?" first would end in that refusal all the same.
  ['one device row and no header', 'C02X,,,,macos,\n', false],
  ['one device row and no header, without a line break', 'C02XG0FDH7JY,LAPTOP-1,windows', false],
  ['one device row and no header, then blank lines', 'C02X,4c4c4544-0042,LAPTOP-1\r\n\r\n', false],
  ['a header naming no identifier', 'device_name,platform,owner\n', false],
  ['a header naming one identifier twice', 'serial_number,Serial Number\n', false],
  ['a header with a quote inside a field', 'serial_number,dev"ice_name\n', false],
  ['a header longer than the collector reads', `serial_number,${'x'.repeat(17_000)}\n`, false],
];

describe("the console's check for an inventory CSV without device rows", () => {
  for (const [name, text, empty] of CASES) {
    it(`${name}: ${empty ? 'no device rows' : 'may have rows'}`, async () => {
      assert.equal(hasNoDeviceRows(text), empty);
      // What the console calls empty, the collector refuses as empty: the two never disagree that way.
      if (empty) assert.equal(await collectorReads(text), 'EMPTY_INVENTORY');
      // And the reverse: what the collector calls empty (a header and no rows) the console asks
      // about, and a one-line file it refuses for its header is sent as it is, never asked about.
      else assert.notEqual(await collectorReads(text), 'EMPTY_INVENTORY');
    });
  }

  it("reads every header name the collector knows as the collector does (the console's copy of the identifier names)", async () => {
    const names = [...CSV_COLUMNS, ...Object.keys(ALIASES)];
    for (const name of names) {
      // Folded forms as exports write them: "Serial Number", "WI-FI MAC ADDRESS".
      for (const written of [name, name.replace(/_/g, ' ').toUpperCase(), ` ${name.replace(/_/g, '-')} `]) {
        const text = `${written}\n`;
        const column = (CSV_COLUMNS as readonly string[]).includes(name) ? name : ALIASES[name]!;
        const identifier = (IDENTIFIER_COLUMNS as readonly string[]).includes(column);
        assert.equal(identifierColumnOf(written), identifier ? column : null, written);
        assert.equal(hasNoDeviceRows(text), identifier, written);
        assert.equal(await collectorReads(text), identifier ? 'EMPTY_INVENTORY' : 'INVALID_CSV', written);
      }
    }
  });
});
