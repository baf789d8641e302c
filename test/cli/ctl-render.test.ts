import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { fitCell } from '@devtrust/collector/cli/ctl-render';

/** devtrustctl's table cells: a long one is cut at a word and marked with "…" (--json has the whole text). */
describe('fitCell', () => {
  it('keeps a short cell whole, flattening its white space', () => {
    assert.equal(fitCell('a  short\ncell', 20), 'a short cell');
  });

  it('cuts a long cell between words, never inside one, and marks it', () => {
    const text = 'the last sync of "Refused upload" failed: the CSV has no column that names a device';
    const cut = fitCell(text, 40);
    assert.ok(cut.length <= 40, cut);
    assert.match(cut, /\S…$/);
    const shown = cut.slice(0, -1);
    assert.ok(text.startsWith(shown), shown);
    assert.match(text.slice(shown.length), /^\s/);
  });

  it('cuts inside a word only when no space falls in the cell’s second half', () => {
    assert.equal(fitCell('x'.repeat(50), 10), `${'x'.repeat(9)}…`);
  });
});
