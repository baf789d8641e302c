import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { displayWidth, padToWidth, sliceToWidth } from '@devtrust/collector/cli/display-width';
import { fitCell, renderTable } from '@devtrust/collector/cli/ctl-render';

const FULLWIDTH = 'ＬＡＰＴＯＰ－１２'; // what a terminal shows as LAPTOP-12, two columns a character
const COMBINING = `e${'\u0301\u0308\u0323'.repeat(5)}x`; // two columns: e with fifteen marks, then x

describe('displayWidth: the columns text takes in a terminal', () => {
  const cases: [string, string, number][] = [
    ['ASCII', 'LAPTOP-12', 9],
    ['fullwidth letters', FULLWIDTH, 18],
    ['CJK and kana', '経理部ノートPC', 14],
    ['Hangul', '회계팀', 6],
    ['U+3000 ideographic space', 'a\u3000b', 4],
    ['combining marks', COMBINING, 2],
    ['a precomposed letter', 'é', 1],
    ['zero-width joiner in an emoji sequence', '👩\u200d💻', 4],
    ['Cyrillic', 'сервер', 6],
    ['empty', '', 0],
  ];
  for (const [name, text, width] of cases) it(name, () => assert.equal(displayWidth(text), width));

  it('pads and cuts by columns', () => {
    assert.equal(displayWidth(padToWidth(FULLWIDTH, 20)), 20);
    assert.equal(padToWidth('abc', 2), 'abc');
    assert.equal(sliceToWidth(FULLWIDTH, 5), 'ＬＡ');
    assert.equal(sliceToWidth(COMBINING, 1), COMBINING.slice(0, -1));
  });
});

describe("devtrustctl's tables line up by what the terminal shows", () => {
  it('starts every later column at the same column after fullwidth and combining-mark hostnames', () => {
    const rows = [
      { hostname: 'LAPTOP-12', platform: 'windows', trusted: 'yes' },
      { hostname: FULLWIDTH, platform: 'macos', trusted: 'no' },
      { hostname: COMBINING, platform: 'linux', trusted: 'no' },
      { hostname: '経理部\u3000ノートPC', platform: 'windows', trusted: 'yes' },
    ];
    const lines = renderTable(rows, ['hostname', 'platform', 'trusted']).split('\n');
    const columnOf = (line: string, word: string): number => displayWidth(line.slice(0, line.indexOf(word)));
    const platformAt = columnOf(lines[0] ?? '', 'platform');
    const trustedAt = columnOf(lines[0] ?? '', 'trusted');
    assert.equal(platformAt, 18 + 2, lines.join('\n'));
    for (const [i, row] of rows.entries()) {
      const line = lines[i + 1] ?? '';
      assert.equal(columnOf(line, row.platform), platformAt, line);
      assert.equal(columnOf(line, row.trusted), trustedAt, line);
    }
  });

  it('cuts a fullwidth cell to the columns it may take', () => {
    const cut = fitCell('Ｘ'.repeat(100), 20);
    assert.equal(displayWidth(cut), 19);
    assert.equal(cut, `${'Ｘ'.repeat(9)}…`);
  });
});
