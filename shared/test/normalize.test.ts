import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { identifiersOf, isPlaceholder, normalizeIdentifier, usableIdentifier } from '@devtrust/shared/identity';

describe('normalizeIdentifier', () => {
  const cases: [Parameters<typeof normalizeIdentifier>[0], unknown, string | null][] = [
    ['hardwareUuid', '{4c4c4544-0042-3510-8052-b4c04f4e4d32}', '4C4C4544004235108052B4C04F4E4D32'],
    ['hardwareUuid', ' 4C4C4544-0042-3510-8052-B4C04F4E4D32\n', '4C4C4544004235108052B4C04F4E4D32'],
    ['serialNumber', 'c02x-1234 abcd', 'C02X1234ABCD'],
    ['machineGuid', '{6F1A2B3C-0000-4D5E-8F90-ABCDEF012345}', '6F1A2B3C00004D5E8F90ABCDEF012345'],
    ['macAddress', '00:1a:2B:3c:4D:5e', '001A2B3C4D5E'],
    ['macAddress', '001a.2b3c.4d5e', '001A2B3C4D5E'],
    ['serialNumber', '   ', null],
    ['serialNumber', undefined, null],
    ['serialNumber', { not: 'a string' }, null],
  ];
  for (const [kind, raw, expected] of cases) {
    it(`${kind} ${JSON.stringify(raw)} → ${expected}`, () => assert.equal(normalizeIdentifier(kind, raw), expected));
  }
  // Found by test/fuzz/vendor-mappers.test.ts: "ῒ" upper-cased to "Ϊ̀" (three code points), which NFKC composes.
  it('a normalised value stays as it is when normalised again', () => {
    const once = normalizeIdentifier('serialNumber', '\u1fd2');
    assert.equal(normalizeIdentifier('serialNumber', once), once);
  });
  it('gives ASCII text (which skips NFKC) exactly what the two NFKC passes give, for every kind', () => {
    // The normalisation before ASCII text skipped NFKC: stored identifiers and inventories
    // were normalised with it, so any difference would stop them matching.
    const previous = (kind: Parameters<typeof normalizeIdentifier>[0], raw: string): string | null => {
      const stripped = raw
        .normalize('NFKC')
        .replace(kind === 'macAddress' ? /[\s{}\-:.]/g : /[\s{}-]/g, '')
        .toUpperCase()
        .normalize('NFKC');
      return stripped.length === 0 || stripped.length > 256 ? null : stripped;
    };
    const kind = fc.constantFrom('hardwareUuid', 'serialNumber', 'machineGuid', 'macAddress' as const);
    const text = fc.oneof(
      fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)), maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.constantFrom('ﬀ-1', 'Ⅻ', 'é', '\u1fd2', 'c02x\u00a01234', 'ABC\u2000DEF', '\u0130', 'x²', 'ªb', 'µ5', 'ÿ', '½'),
    );
    fc.assert(
      fc.property(kind, text, (k, raw) => assert.equal(normalizeIdentifier(k, raw), previous(k, raw))),
      { numRuns: 5_000 },
    );
  });
});

describe('placeholders never match', () => {
  const placeholders: [Parameters<typeof normalizeIdentifier>[0], string][] = [
    ['serialNumber', 'To Be Filled By O.E.M.'],
    ['serialNumber', 'to be filled by o.e.m.'],
    ['serialNumber', 'Default string'],
    ['serialNumber', 'System Serial Number'],
    ['serialNumber', '0'],
    ['serialNumber', '0000000000'],
    ['serialNumber', 'Not Specified'],
    ['serialNumber', 'None'],
    ['hardwareUuid', '00000000-0000-0000-0000-000000000000'],
    ['hardwareUuid', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF'],
    ['hardwareUuid', 'ffffffff-ffff-ffff-ffff-ffffffffffff'],
    ['hardwareUuid', '03000200-0400-0500-0006-000700080009'],
    ['machineGuid', '{00000000-0000-0000-0000-000000000000}'],
    ['macAddress', '00:00:00:00:00:00'],
    ['macAddress', 'ff:ff:ff:ff:ff:ff'],
    ['macAddress', '01:00:5e:00:00:01'],
    ['macAddress', 'not-a-mac'],
  ];
  for (const [kind, raw] of placeholders) {
    it(`${kind} "${raw}" is a placeholder`, () => {
      assert.equal(isPlaceholder(kind, normalizeIdentifier(kind, raw) ?? ''), true);
      assert.equal(usableIdentifier(kind, raw), null);
    });
  }
  const real: [Parameters<typeof normalizeIdentifier>[0], string][] = [
    ['serialNumber', 'C02ZK0XYMD6M'],
    ['serialNumber', 'PF2ABCDE'],
    ['serialNumber', 'VMware-56 4d 8b 1c 2f 3e 4d 5c-6b 7a 8f 9e 0d 1c 2b 3a'],
    ['hardwareUuid', '564D8B1C-2F3E-4D5C-6B7A-8F9E0D1C2B3A'],
    ['macAddress', '3c:22:fb:12:34:56'],
  ];
  for (const [kind, raw] of real) {
    it(`${kind} "${raw}" is usable`, () => assert.notEqual(usableIdentifier(kind, raw), null));
  }
});

describe('identifiersOf', () => {
  it('normalises, drops placeholders and deduplicates MACs', () => {
    assert.deepEqual(
      identifiersOf({
        platform: 'windows',
        hardwareUuid: '03000200-0400-0500-0006-000700080009',
        serialNumber: ' pf-2abcde ',
        machineGuid: '{6f1a2b3c-0000-4d5e-8f90-abcdef012345}',
        macAddresses: ['3C:22:FB:12:34:56', '3c-22-fb-12-34-56', '00:00:00:00:00:00'],
      }),
      { serialNumber: 'PF2ABCDE', machineGuid: '6F1A2B3C00004D5E8F90ABCDEF012345', macAddresses: ['3C22FB123456'] },
    );
  });
});
