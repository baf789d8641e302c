import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { collectorOn, type CollectorOnDatabase } from '../support/collector-on.js';
import { DATABASES } from '../support/postgres.js';
import { describeUnless } from '../support/skip.js';

/**
 * A CSV upload names the columns it did not use, quoting names from the file. An attacker's
 * finding: a column named `x" (see docs/csv-format.md). Inventory replaced: … "y` made the
 * console's flash read as if the quoted name ended early; U+3164 names came back invisible,
 * combining marks as they were, and the cut at 63 code units left half an emoji (a lone
 * surrogate). Names are now quoted as JSON quotes them, refused characters show as `<U+XXXX>`,
 * and a long name is cut by code points.
 */
const SPOOF = 'x" (see docs/csv-format.md). Inventory replaced: 2 devices from jamf.csv. No warnings "y';
const HALF_EMOJI = `${'a'.repeat(62)}😀${'b'.repeat(10)}`;

/** The file's header cell for `name`: quoted as CSV quotes, a quote doubled. */
const cell = (name: string) => `"${name.replaceAll('"', '""')}"`;

for (const database of DATABASES) {
  describeUnless(database.skip)(`a CSV upload's unused column names are quoted safely (${database.name})`, () => {
    let c: CollectorOnDatabase;
    let id: string;

    beforeAll(async () => {
      c = await collectorOn(database.name, { scheduler: false });
      const created = await c.admin('POST', '/admin/v1/integrations', { kind: 'csv', name: 'Uploads', platforms: ['macos'], config: {} });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      id = created.body.id as string;
    });
    afterAll(async () => {
      await c?.close();
    });

    const unusedOf = async (header: string): Promise<string> => {
      const upload = await c.admin('PUT', `/admin/v1/integrations/${id}/inventory`, `Serial Number,${header}\nC02SAFE0001,1\n`, {
        contentType: 'text/csv',
      });
      assert.equal(upload.status, 200, JSON.stringify(upload.body));
      assert.equal(upload.body.warnings.length, 1, JSON.stringify(upload.body.warnings));
      return upload.body.warnings[0] as string;
    };

    it('a quote in a column name cannot end the quoting early', async () => {
      const warning = await unusedOf(cell(SPOOF));
      // Longer than 64 characters, so cut after 63.
      assert.equal(warning, `1 column was not used: ${JSON.stringify(`${SPOOF.slice(0, 63)}…`)} (see docs/csv-format.md)`);
      assert.ok(warning.includes('x\\" (see'), warning);
    });

    it('invisible characters and a mark with nothing to sit on show as U+XXXX; a long name is cut whole', async () => {
      assert.equal(await unusedOf('\u3164'), '1 column was not used: "<U+3164>" (see docs/csv-format.md)');
      assert.equal(await unusedOf('\u0301owner'), '1 column was not used: "<U+0301>owner" (see docs/csv-format.md)');
      assert.equal(await unusedOf('Zo\u0308e'), '1 column was not used: "Zo\u0308e" (see docs/csv-format.md)');
      assert.equal(await unusedOf('alice\u200d'), '1 column was not used: "alice<U+200D>" (see docs/csv-format.md)');
      const cut = await unusedOf(HALF_EMOJI);
      // No lone surrogate (String.prototype.isWellFormed, not in the tests' TypeScript lib yet).
      assert.doesNotMatch(cut, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/, JSON.stringify(cut));
      assert.equal(cut, `1 column was not used: "${'a'.repeat(62)}😀…" (see docs/csv-format.md)`);
    });
  });
}
