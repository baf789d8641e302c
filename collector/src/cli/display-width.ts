/**
 * How many terminal columns text takes, for devtrustctl's tables: `.length` counted a fullwidth
 * `ＬＡＰＴＯＰ` as 6 (it takes 12) and `e` with ten combining marks as 11 (it takes 1), so every
 * column after such a hostname slid out of line. East Asian wide and fullwidth characters and
 * emoji take 2; combining marks, zero-width and format characters 0; the rest 1 (as wcwidth).
 * A few ranges of our own rather than string-width: it is only in node_modules as another
 * package's dependency, and a table needs no more than this.
 */

/** East Asian Width W and F (Unicode 15), merged into the ranges a hostname could hold. */
const WIDE: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f], // Hangul Jamo leading consonants
  [0x231a, 0x231b],
  [0x2329, 0x232a],
  [0x2e80, 0x303e], // CJK radicals, ideographic punctuation, U+3000 IDEOGRAPHIC SPACE
  [0x3041, 0x33ff], // Hiragana, Katakana, Bopomofo, Hangul compatibility Jamo, CJK symbols
  [0x3400, 0x4dbf], // CJK Extension A
  [0x4e00, 0x9fff], // CJK Unified Ideographs
  [0xa000, 0xa4cf], // Yi
  [0xa960, 0xa97f], // Hangul Jamo Extended-A
  [0xac00, 0xd7a3], // Hangul syllables
  [0xf900, 0xfaff], // CJK compatibility ideographs
  [0xfe10, 0xfe19], // vertical forms
  [0xfe30, 0xfe6f], // CJK compatibility forms, small form variants
  [0xff00, 0xff60], // fullwidth forms
  [0xffe0, 0xffe6],
  [0x16fe0, 0x16fe4],
  [0x17000, 0x18cd5], // Tangut
  [0x1b000, 0x1b16f], // Kana supplement and extended
  [0x1f200, 0x1f251], // enclosed ideographic supplement
  [0x20000, 0x3fffd], // CJK Extensions B and on
];

const ZERO = /[\p{Mn}\p{Me}\p{Cf}\p{Cc}\p{Default_Ignorable_Code_Point}]/u;
const EMOJI = /\p{Emoji_Presentation}/u;

function isWide(code: number): boolean {
  return WIDE.some(([from, to]) => code >= from && code <= to);
}

/** Columns one character (a code point) takes. */
function charWidth(ch: string): number {
  if (ZERO.test(ch)) return 0;
  return isWide(ch.codePointAt(0)!) || EMOJI.test(ch) ? 2 : 1;
}

/** Columns `text` takes in a terminal. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += charWidth(ch);
  return width;
}

/** `text` and spaces after it up to `width` columns (padEnd counts UTF-16 units). */
export function padToWidth(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

/** The longest start of `text` that fits `width` columns. */
export function sliceToWidth(text: string, width: number): string {
  let out = '';
  let used = 0;
  for (const ch of text) {
    used += charWidth(ch);
    if (used > width) break;
    out += ch;
  }
  return out;
}
