import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'vitest';
import { INVENTORY_ENCODED, INVENTORY_SCRIPT, parseInventory, rowOf, rowsOf, text } from '../../../src/collect/windows/inventory.js';
import { chooseSerial } from '../../../src/collect/windows/index.js';
import { parseScQuery } from '../../../src/collect/windows/parse-sc.js';
import { FIXTURES } from '../fixture-host.js';

const fixture = (machine: string, file: string) => readFileSync(path.join(FIXTURES, 'windows', machine, file), 'utf8');

describe('Windows parsers', () => {
  it('sc query: state of an existing service; a missing one', () => {
    assert.deepEqual(parseScQuery(fixture('asrock-whitebox', 'sc-query-sense.txt')), { exists: true, running: false });
    assert.deepEqual(parseScQuery(fixture('asrock-whitebox', 'sc-query-missing.txt')), { exists: false, running: null });
    assert.deepEqual(parseScQuery('SERVICE_NAME: CSFalconService\r\n        STATE              : 4  RUNNING\r\n'), {
      exists: true,
      running: true,
    });
  });

  it('inventory JSON: PowerShell 5.1 layout, one-element arrays unrolled, errors per section', () => {
    const dell = parseInventory(fixture('dell-latitude-7420', 'powershell-inventory.json'));
    assert.ok(dell);
    assert.equal(rowsOf(dell.sections.get('adapters')).length, 3);
    assert.equal(text(rowOf(dell.sections.get('product')), 'UUID'), '4C4C4544-0042-3510-8052-B4C04F4E4D32');
    assert.equal(dell.errors.size, 0);
    const whitebox = parseInventory(fixture('asrock-whitebox', 'powershell-inventory.json'));
    assert.ok(whitebox);
    assert.equal(rowsOf(whitebox.sections.get('adapters')).length, 1, 'a single adapter comes as an object');
    assert.equal(whitebox.errors.get('bitlocker'), 'Access denied');
    assert.equal(whitebox.sections.has('bitlocker'), false);
    // A BOM and a stray banner line before the JSON are tolerated; a non-JSON answer is not.
    assert.ok(parseInventory('\uFEFFWARNING: something\r\n{"errors":{},"os":{"Version":"10.0.1"}}'));
    assert.equal(parseInventory('Access is denied.'), null);
    assert.equal(parseInventory('[1,2]'), null);
    assert.equal(text({ SerialNumber: '   B5RNM32  ' }, 'SerialNumber'), 'B5RNM32', 'BIOS strings come space-padded');
  });

  it('the inventory script is sent as -EncodedCommand (UTF-16LE base64) and reads every section the probes use', () => {
    assert.equal(Buffer.from(INVENTORY_ENCODED, 'base64').toString('utf16le'), INVENTORY_SCRIPT);
    for (const name of [
      'product',
      'bios',
      'os',
      'computer',
      'currentVersion',
      'adapters',
      'services',
      'bitlocker',
      'bitlockerShell',
      'firewall',
      'lockPolicy',
      'ciscoAmp',
    ]) {
      assert.match(INVENTORY_SCRIPT, new RegExp(`Read-Section '${name}'`), name);
    }
    assert.ok(INVENTORY_ENCODED.length < 30_000, 'fits the Windows command line');
  });

  it('serial: Win32_BIOS wins, IdentifyingNumber stands in for a placeholder, a placeholder still goes up raw', () => {
    const cases: Array<[string | null, string | null, string | null]> = [
      ['B5RNM32', 'B5RNM32', 'B5RNM32'],
      ['B5RNM32', 'OTHER', 'B5RNM32'],
      ['To Be Filled By O.E.M.', 'PF3ABC12', 'PF3ABC12'],
      [null, 'PF3ABC12', 'PF3ABC12'],
      ['Default string', 'System Serial Number', 'Default string'],
      ['0', '0', '0'],
      [null, null, null],
    ];
    for (const [bios, identifying, want] of cases) assert.equal(chooseSerial(bios, identifying), want, `${bios} / ${identifying}`);
  });
});
