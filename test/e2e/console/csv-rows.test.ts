import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { parseCsvInventory } from '@devtrust/collector/sync/csv/parse';
// The console's check: served to the browser as is, so it is plain JavaScript.
// @ts-expect-error -- plain JavaScript without declarations
import { hasNoDeviceRows } from '../../../collector/src/console/assets/js/csv-rows.js';

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
];

describe("the console's check for an inventory CSV without device rows", () => {
  for (const [name, text, empty] of CASES) {
    it(`${name}: ${empty ? 'no device rows' : 'may have rows'}`, async () => {
      assert.equal(hasNoDeviceRows(text), empty);
      // What the console calls empty, the collector refuses as empty: the two never disagree that way.
      if (empty) assert.equal(await collectorReads(text), 'EMPTY_INVENTORY');
    });
  }
});
