import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { firstUnstorableText, PLATFORMS, unsafeCharacter } from '@devtrust/shared/identity';
import { AppError } from '@devtrust/collector/errors';
import { CSV_COLUMNS, parseCsvInventory } from '@devtrust/collector/sync/csv/parse';
import { toStagedRecord } from '@devtrust/collector/sync/normalize';
import { huge, hostileString, hostileText, RUNS } from './hostile.js';

/**
 * The CSV inventory parser against hostile files: every file is either a list of devices
 * whose stored form is clean, or a 400 (INVALID_CSV, EMPTY_INVENTORY) naming what is wrong;
 * never another error. The same file streamed in pieces (as an upload arrives) gives the
 * same answer as the whole file.
 */

type Outcome = { devices: unknown[] } | { status: number; code: string; message: string };

async function outcomeOf(source: string | AsyncIterable<string>): Promise<Outcome> {
  const devices: unknown[] = [];
  try {
    for await (const page of parseCsvInventory(source)) devices.push(...page);
  } catch (error) {
    assert.ok(
      error instanceof AppError,
      `an untyped ${String((error as Error)?.name)}: ${String((error as Error)?.message).slice(0, 300)}`,
    );
    return { status: error.status, code: error.code, message: error.message };
  }
  return { devices };
}

async function* inPieces(text: string, cuts: number[]): AsyncGenerator<string> {
  // Cut between code points, as the UTF-8 decoder of an upload does.
  const points = [...text];
  let at = 0;
  for (const cut of [...new Set(cuts.map((c) => c % (points.length + 1)))].sort((a, b) => a - b)) {
    yield points.slice(at, cut).join('');
    at = cut;
  }
  yield points.slice(at).join('');
}

/** What an upload body can hold: UTF-8 (a lone surrogate arrives as U+FFFD) without NUL (refused by the body reader). */
const asUploaded = (text: string): string => Buffer.from(text.replaceAll('\u0000', '\u0001'), 'utf8').toString('utf8');

const cell = fc.oneof(
  { weight: 30, arbitrary: hostileText },
  { weight: 1, arbitrary: huge },
  {
    weight: 20,
    arbitrary: fc.constantFrom('C02XG2JHJG5H', '4C4C4544-0042-3510-8052-B4C04F4E4D32', '02:fc:00:00:00:01', 'macos', 'windows', 'Mac'),
  },
);
const quoted = (value: string, quote: boolean): string => (quote ? `"${value.replaceAll('"', '""')}"` : value);
const header = fc.oneof(
  fc.shuffledSubarray([...CSV_COLUMNS], { minLength: 1 }),
  fc.array(fc.oneof(fc.constantFrom(...CSV_COLUMNS), hostileString), { minLength: 1, maxLength: 4 }),
);
const csvFile = fc
  .tuple(
    header,
    fc.array(fc.array(fc.tuple(cell, fc.boolean()), { maxLength: 8 }), { maxLength: 6 }),
    fc.constantFrom('\n', '\r\n', '\r'),
    fc.boolean(),
  )
  .map(([names, rows, eol, bom]) => {
    const lines = [names.join(','), ...rows.map((row) => row.map(([value, quote]) => quoted(value, quote)).join(','))];
    return `${bom ? '\uFEFF' : ''}${lines.join(eol)}${eol}`;
  });

function assertClean(outcome: Outcome): void {
  if ('status' in outcome) {
    assert.equal(outcome.status, 400, outcome.message);
    assert.ok(['INVALID_CSV', 'EMPTY_INVENTORY'].includes(outcome.code), outcome.code);
    return;
  }
  for (const device of outcome.devices as Parameters<typeof toStagedRecord>[0][]) {
    for (const name of [device.deviceName, device.owner]) if (name) assert.equal(unsafeCharacter(name), null, name);
    if (device.platform) assert.ok((PLATFORMS as readonly string[]).includes(device.platform));
    const staged = toStagedRecord(device);
    assert.equal(firstUnstorableText(staged), null);
    for (const value of [staged?.serialNumber, staged?.hardwareUuid, staged?.machineGuid, ...(staged?.macAddresses ?? [])]) {
      if (value) assert.ok(value.length <= 256);
    }
  }
}

describe('the CSV inventory parser against hostile files', () => {
  it(`CSV-shaped files with hostile cells, headers and line ends, whole and in pieces (${RUNS} files)`, async () => {
    await fc.assert(
      fc.asyncProperty(csvFile, fc.array(fc.nat(), { maxLength: 4 }), async (raw, cuts) => {
        const text = asUploaded(raw);
        const whole = await outcomeOf(text);
        assertClean(whole);
        assert.deepEqual(await outcomeOf(inPieces(text, cuts)), whole);
      }),
      { numRuns: RUNS },
    );
  });

  it(`any text at all (${RUNS} files)`, async () => {
    await fc.assert(
      fc.asyncProperty(hostileString, async (raw) => assertClean(await outcomeOf(asUploaded(raw)))),
      { numRuns: RUNS },
    );
  });
});
