import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { nameRuleBroken } from '@devtrust/collector/domain/application-name-rules';
import { knownScripts, scriptMix } from '@devtrust/collector/domain/unicode-scripts';

// Names that pass for a Latin name on the prompt users see, each with the rule it breaks and the
// character the message must name (by code point, never raw).
const REFUSED: [string, 'APPLICATION_NAME_CHARACTER_REFUSED' | 'APPLICATION_NAME_MIXED_SCRIPTS', string][] = [
  ['Payro\u2502\u2502', 'APPLICATION_NAME_CHARACTER_REFUSED', 'U+2502'], // box drawing │
  ['Payro\u2223\u2223', 'APPLICATION_NAME_CHARACTER_REFUSED', 'U+2223'], // divides ∣
  ['Payro\u23d0\u23d0', 'APPLICATION_NAME_CHARACTER_REFUSED', 'U+23D0'], // vertical line extension ⏐
  ['Payro\u2503\u2503', 'APPLICATION_NAME_CHARACTER_REFUSED', 'U+2503'], // heavy box drawing ┃
  ['Payr\u2205ll', 'APPLICATION_NAME_CHARACTER_REFUSED', 'U+2205'], // empty set ∅ for o
  ['Payro\u0251ll \u0430', 'APPLICATION_NAME_MIXED_SCRIPTS', 'U+0430'], // Latin alpha ɑ is Latin; the Cyrillic а is not
  ['Payroll \u2714', 'APPLICATION_NAME_CHARACTER_REFUSED', 'U+2714'], // heavy check mark
  ['Payroll \ud83d\udd12', 'APPLICATION_NAME_CHARACTER_REFUSED', 'U+1F512'], // emoji lock
  ['Payroll\u00b7EU', 'APPLICATION_NAME_CHARACTER_REFUSED', 'U+00B7'], // middle dot
  ['Payroll\u2028EU', 'APPLICATION_NAME_CHARACTER_REFUSED', 'U+2028'], // line separator
  ['Payroll\u200bEU', 'APPLICATION_NAME_CHARACTER_REFUSED', 'U+200B'], // zero-width space
  ['Pay\u0433oll', 'APPLICATION_NAME_MIXED_SCRIPTS', 'U+0433'], // Cyrillic г
  ['PAYRO\u053c\u053c', 'APPLICATION_NAME_MIXED_SCRIPTS', 'U+053C'], // Armenian Լ
  ['P\u0430yroll', 'APPLICATION_NAME_MIXED_SCRIPTS', 'U+0430'], // Cyrillic а
  ['\u03a1ayroll', 'APPLICATION_NAME_MIXED_SCRIPTS', 'U+0061'], // Greek Ρ first: the Latin a is the stranger
  ['Payr\u03bfll', 'APPLICATION_NAME_MIXED_SCRIPTS', 'U+03BF'], // Greek ο
  ['Payro\u13de\u13de', 'APPLICATION_NAME_MIXED_SCRIPTS', 'U+13DE'], // Cherokee Ꮮ
  ['Payro\ua4e1\ua4e1', 'APPLICATION_NAME_MIXED_SCRIPTS', 'U+A4E1'], // Lisu ꓡ
  ['Payroll \u0417\u0430\u0440\u043f\u043b\u0430\u0442\u0430', 'APPLICATION_NAME_MIXED_SCRIPTS', 'U+0417'], // Latin then a Cyrillic word
  ['\u7d66\u4e0e Payroll', 'APPLICATION_NAME_MIXED_SCRIPTS', 'U+0050'], // Han then Latin
];

// Names that must still be allowed.
const ALLOWED = [
  'Payroll',
  'Payroll EU (staging) #2',
  "R&D: wiki / docs, v1.2_beta + O'Brien's",
  'Self\u2013service', // en dash, as autocorrect writes it
  'Ops\u2019 portal', // curly apostrophe
  '\uff30\uff41\uff59\uff52\uff4f\uff4c\uff4c \uff06 HR', // fullwidth letters and ＆: NFKC makes them plain
  'Caf\u00e9 Cr\u00e8me',
  'Stra\u00dfe',
  '\u7d66\u4e0e\u30b7\u30b9\u30c6\u30e0', // Japanese: Han + Katakana
  '\u7d66\u4e0e\u306e\u30b7\u30b9\u30c6\u30e0\u30fb\u52e4\u6020', // Han + Hiragana + Katakana, middle dot
  '\u85aa\u8d44\u7cfb\u7edf', // Chinese
  '\u3105\u3106 \u6f22\u5b57', // Bopomofo + Han
  '\uae09\uc5ec \uc2dc\uc2a4\ud15c', // Korean Hangul
  '\u5165\u793e \uc2dc\uc2a4\ud15c', // Han + Hangul
  '\u039c\u03b9\u03c3\u03b8\u03bf\u03b4\u03bf\u03c3\u03af\u03b1', // Greek only
  '\u0417\u0430\u0440\u043f\u043b\u0430\u0442\u0430 2', // Cyrillic only, with a digit
  '\u0540\u0561\u0575\u0565\u0580\u0565\u0576', // Armenian only
  '\u05e9\u05db\u05e8', // Hebrew
  '\u0627\u0644\u0631\u0648\u0627\u062a\u0628', // Arabic
  '\u0935\u0947\u0924\u0928', // Devanagari with its marks
  'HR2',
];

describe('what a new application name may hold', () => {
  for (const [name, code, character] of REFUSED)
    it(`refuses ${JSON.stringify(name)} with ${code} naming ${character}`, () => {
      const broken = nameRuleBroken(name);
      assert.equal(broken?.code, code, JSON.stringify(broken));
      assert.ok(broken.message.includes(character), broken.message);
      // The character itself is never echoed: it may be invisible or look like another.
      const raw = String.fromCodePoint(parseInt(character.slice(2), 16));
      if (!/[A-Za-z]/.test(raw)) assert.ok(!broken.message.includes(raw), broken.message);
    });

  for (const name of ALLOWED)
    it(`allows ${JSON.stringify(name)}`, () => {
      assert.equal(nameRuleBroken(name), null);
    });

  it('names the scripts a mixed name mixes', () => {
    assert.match(nameRuleBroken('Pay\u0433oll')?.message ?? '', /U\+0433 is Cyrillic, the letters before it Latin/);
    assert.deepEqual(scriptMix('Pay\u0433oll'), { before: ['Latn'], character: '\u0433', its: ['Cyrl'] });
  });

  it('counts a character shared by several scripts with any of them', () => {
    // U+3001 (ideographic comma) and U+30FC (prolonged sound mark) belong to Han, Hiragana, Katakana and more.
    assert.equal(scriptMix('\u30ab\u30fc\u30c9\u3001\u4f1a\u793e'), null);
    assert.equal(scriptMix('123 - 456'), null);
  });

  it("knows every script of this Node's Unicode data: a letter of an unlisted one would count as no script", () => {
    const listed = new RegExp(
      `^[${knownScripts()
        .map((code) => `\\p{Script=${code}}`)
        .join('')}\\p{Script=Common}\\p{Script=Inherited}]$`,
      'u',
    );
    const missed: string[] = [];
    for (let cp = 0; cp < 0x110000; cp++) {
      const ch = String.fromCodePoint(cp);
      if (/^[\p{L}\p{M}\p{Nd}]$/u.test(ch) && !listed.test(ch)) missed.push(`U+${cp.toString(16).toUpperCase()}`);
    }
    assert.deepEqual(missed.slice(0, 5), []);
  });
});
