import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import {
  displaySafeString,
  displayText,
  deviceIdentitySchema,
  postureSchema,
  unsafeCharacter,
  unsafeMachineCharacter,
  withUnsafeAsSpaces,
  withUnsafeEscaped,
} from '@devtrust/shared/identity';
import { reportSchema, unsafeTransactionField } from '@devtrust/shared/protocol';

/** Names people really have, in the scripts they write them in: all must pass. */
const LEGITIMATE = [
  'alice@example.com',
  'José Müller',
  'مريم@example.com', // Arabic
  'דוד כהן', // Hebrew
  'محمد‌رضا', // Persian with ZWNJ (U+200C)
  'می‌خواهم', // Persian with ZWNJ
  '山田太郎', // Japanese
  '王小明', // Chinese
  '김민준', // Korean (precomposed Hangul syllables)
  'देवनागरी', // Devanagari
  'क्‍ष', // Devanagari with ZWJ (U+200D)
  'क्‌ष', // Devanagari with ZWNJ
  'ശ്രീ‍', // Malayalam chillu with ZWJ
  '👩‍💻 Dev laptop', // emoji ZWJ sequence
  '👨‍👩‍👧‍👦', // family
  '🏳️‍🌈', // flag with variation selector and ZWJ
  '❤️ 👍🏽', // variation selector, skin tone modifier
  'Ελένη', // Greek
  'Łukasz Żółć',
  'Nguyễn Văn A',
  'name with  spaces\u00a0and nbsp',
  '山田\u3000太郎のMacBook', // ideographic space, as a Japanese IME types a space
  '葛\u{e0100}城', // an ideographic variation selector: the kanji variant of a family name
  '1\ufe0f\u20e3 #\ufe0f\u20e3 *\ufe0f\u20e3', // keycaps: a digit, '#' or '*' with U+FE0F
  'Room 2\ufe0f\u20e3', // a keycap after a word
  '©\ufe0f ™\ufe0f ☎\ufe0f', // emoji presentation of symbols outside ASCII
  'Team ❤\ufe0f\u200d🔥', // an emoji ZWJ sequence after a Latin word and a space
];

/** Hostnames and identifiers agents really report: all must pass as machine text too. */
const MACHINE = [
  'LAPTOP-12',
  'Alices-MacBook-Pro.local',
  'josé-pc',
  'Łukasz-PC',
  '山田のMacBook',
  '山田\u3000太郎',
  'C02XK1ZJJG5H',
  '02:FC:00:00:00:01',
];

/** Characters that change or hide how text reads, by what they are. */
const REFUSED: [string, string][] = [
  ['\u0000', 'U+0000'],
  ['\n', 'U+000A'],
  ['\r', 'U+000D'],
  ['\t', 'U+0009'],
  ['\u0085', 'U+0085'], // NEL (Cc)
  ['\u00ad', 'U+00AD'], // soft hyphen (Cf)
  ['\u061c', 'U+061C'], // Arabic letter mark
  ['\u180e', 'U+180E'], // Mongolian vowel separator
  ['\u200b', 'U+200B'], // zero width space
  ['\u200e', 'U+200E'],
  ['\u200f', 'U+200F'],
  ['\u2028', 'U+2028'], // line separator (Zl)
  ['\u2029', 'U+2029'], // paragraph separator (Zp)
  ['\u202a', 'U+202A'],
  ['\u202e', 'U+202E'],
  ['\u2060', 'U+2060'], // word joiner
  ['\u2061', 'U+2061'], // function application
  ['\u2066', 'U+2066'],
  ['\u2069', 'U+2069'],
  ['\u206a', 'U+206A'],
  ['\u206f', 'U+206F'],
  ['\ufeff', 'U+FEFF'],
  ['\ufff9', 'U+FFF9'],
  ['\ufffa', 'U+FFFA'],
  ['\ufffb', 'U+FFFB'],
  ['\u{e0001}', 'U+E0001'], // language tag
  ['\u{e0041}', 'U+E0041'], // tag letter
  ['\u{e007f}', 'U+E007F'], // cancel tag
  ['\ud800', 'U+D800'], // lone surrogate (Cs)
  ['\udfff', 'U+DFFF'],
  ['\ue000', 'U+E000'], // private use (Co)
  ['\u{f0000}', 'U+F0000'], // supplementary private use
  ['\u{10fffd}', 'U+10FFFD'],
  ['\u115f', 'U+115F'], // Hangul fillers: letters that render as nothing
  ['\u1160', 'U+1160'],
  ['\u3164', 'U+3164'],
  ['\uffa0', 'U+FFA0'],
  // Default_Ignorable_Code_Point: rendered as nothing.
  ['\u034f', 'U+034F'], // combining grapheme joiner
  ['\u17b4', 'U+17B4'], // Khmer inherent vowels
  ['\u17b5', 'U+17B5'],
  ['\u180b', 'U+180B'], // Mongolian free variation selectors
  ['\u180d', 'U+180D'],
  ['\u180f', 'U+180F'],
  ['\ufff0', 'U+FFF0'], // unassigned, default-ignorable
  ['\u{1d173}', 'U+1D173'], // musical symbol begin beam (Cf)
  ['\u{e0fff}', 'U+E0FFF'], // unassigned, default-ignorable
  ['\u2800', 'U+2800'], // braille pattern blank: drawn as a blank
];

/** Joiners and variation selectors that modify nothing: leading, after a space, in runs. */
const STRAY_JOINERS: [string, string][] = [
  ['\u200dalice', 'U+200D'],
  ['\ufe0falice', 'U+FE0F'],
  ['alice \u200c', 'U+200C'],
  // Runs after a character the first one may modify (after a Latin letter even the first is refused).
  ['👩\u200d\u200d', 'U+200D'],
  ['می\u200c\u200d', 'U+200D'],
  ['❤\ufe0f\ufe0f', 'U+FE0F'],
  ['👩\u200d\ufe0f', 'U+FE0F'],
  ['\u200d'.repeat(40), 'U+200D'],
  ['\u{e0100}', 'U+E0100'],
];

/**
 * Joiners and selectors after what they never modify: a letter of the Latin, Greek or Cyrillic
 * scripts or ASCII other than a digit, '#' or '*'. An attacker made users `alice` and `alice` +
 * U+200D, U+200C, U+FE0F, U+E0100: five names that all read "alice".
 */
const LOOKALIKE_JOINERS: [string, string][] = [
  ['alice\u200d', 'U+200D'],
  ['alice\u200c', 'U+200C'],
  ['alice\ufe0f', 'U+FE0F'],
  ['alice\u{e0100}', 'U+E0100'],
  ['al\u200dice', 'U+200D'],
  ['José\u200d', 'U+200D'],
  ['Jose\u0301\u200c', 'U+200C'], // after a combining mark on a Latin letter
  ['Ελένη\u200d', 'U+200D'], // Greek
  ['Алиса\ufe0f', 'U+FE0F'], // Cyrillic
  ['ＡＬＩＣＥ\u200d', 'U+200D'], // fullwidth Latin
  ['LAPTOP-\u200d12', 'U+200D'],
  ['alice@\ufe0fexample.com', 'U+FE0F'],
  // After a digit only a keycap's U+FE0F U+20E3 (a reviewer made five users reading "jdoe2").
  ['jdoe2\u200d', 'U+200D'],
  ['jdoe2\u200c', 'U+200C'],
  ['jdoe2\ufe0f', 'U+FE0F'],
  ['jdoe2\u{e0100}', 'U+E0100'],
  ['#\ufe0f team', 'U+FE0F'],
  // No joiner after Han, kana or Hangul (a kanji variant selector passes, see LEGITIMATE).
  ['田中\u200d', 'U+200D'],
  ['たなか\u200c', 'U+200C'],
  ['김민준\u200d', 'U+200D'],
];

describe('display text', () => {
  it('passes real names in every script, ZWJ and ZWNJ included', () => {
    for (const name of LEGITIMATE) {
      assert.equal(unsafeCharacter(name), null, `${name} was refused (${unsafeCharacter(name)})`);
      assert.equal(displayText(256).parse(name), name.trim());
    }
  });

  it('refuses controls, format characters, separators, surrogates, private use and blank fillers, naming the character', () => {
    for (const [character, name] of REFUSED) {
      assert.equal(unsafeCharacter(`alice${character}bob`), name, name);
      const refused = displayText(256).safeParse(`alice${character}bob`);
      assert.equal(refused.success, false, name);
      assert.match(refused.error?.issues[0]?.message ?? '', new RegExp(name.replace('+', '\\+')));
    }
  });

  it('refuses joiners and variation selectors that follow nothing they could join or select', () => {
    for (const [text, name] of STRAY_JOINERS) {
      assert.equal(unsafeCharacter(text), name, JSON.stringify(text));
      assert.equal(displayText(256).safeParse(text).success, false, JSON.stringify(text));
    }
  });

  it('refuses joiners and variation selectors after a Latin, Greek or Cyrillic letter or ASCII punctuation', () => {
    for (const [text, name] of LOOKALIKE_JOINERS) {
      assert.equal(unsafeCharacter(text), name, JSON.stringify(text));
      const refused = displayText(256).safeParse(text);
      assert.equal(refused.success, false, JSON.stringify(text));
      assert.match(refused.error?.issues[0]?.message ?? '', /must not contain control or bidirectional characters/);
    }
  });

  it('withUnsafeAsSpaces leaves display text, even where a joiner followed a character it replaced', () => {
    for (const text of ['\u0000\u{e0100}', 'a\u202e\u200db', '\u034f\ufe0f\u200d', 'ok \u2800\u200c'])
      assert.equal(unsafeCharacter(withUnsafeAsSpaces(text).trim()), null, JSON.stringify(text));
    assert.equal(withUnsafeAsSpaces('José 👩‍💻'), 'José 👩‍💻');
  });

  it('withUnsafeEscaped shows each refused character as <U+XXXX>, leaves display text as it is, and its output is display text', () => {
    assert.equal(withUnsafeEscaped('\u3164'), '<U+3164>');
    assert.equal(withUnsafeEscaped('a\u202eb\u001b'), 'a<U+202E>b<U+001B>');
    assert.equal(withUnsafeEscaped('\u0301x y \u0308'), '<U+0301>x y <U+0308>');
    assert.equal(withUnsafeEscaped('\ud83d'), '<U+D83D>');
    for (const name of LEGITIMATE) assert.equal(withUnsafeEscaped(name), name);
    for (const text of [...REFUSED.map(([c]) => `a${c}\u200d`), ...STRAY_JOINERS.map(([t]) => t), ...LOOKALIKE_JOINERS.map(([t]) => t)])
      assert.equal(unsafeCharacter(withUnsafeEscaped(text)), null, JSON.stringify(text));
  });

  it('refuses a leading or trailing newline, U+2028 or U+FEFF instead of trimming it away; ordinary spaces are trimmed', () => {
    for (const text of ['\nalice', 'alice\r\n', '\u2028alice', 'alice\u2029', '\ufeffalice', 'alice\ufeff', '\u0085alice', 'alice\t']) {
      assert.equal(displayText(256).safeParse(text).success, false, JSON.stringify(text));
    }
    assert.equal(displayText(256).parse('  alice  '), 'alice');
    assert.equal(displayText(256).safeParse('   ').success, false);
  });
});

describe('machine text: hostnames and identifiers', () => {
  it('passes the hostnames and identifiers devices report, accented and CJK ones included', () => {
    for (const name of MACHINE) assert.equal(unsafeMachineCharacter(name), null, name);
  });

  it('refuses what display text refuses, and joiners and variation selectors wherever they are', () => {
    for (const [character, name] of REFUSED) assert.equal(unsafeMachineCharacter(`LAPTOP${character}12`), name, name);
    for (const [text, name] of [
      ['LAPTOP-12\u200d', 'U+200D'],
      ['LAP\u200cTOP', 'U+200C'],
      ['LAPTOP-12\ufe0f', 'U+FE0F'],
      ['山田\u{e0100}', 'U+E0100'],
    ]) {
      assert.equal(unsafeMachineCharacter(text as string), name, name);
      // Both report schemas: the usual path (usual-report.ts) is held to them by its fuzz test.
      assert.equal(deviceIdentitySchema.safeParse({ hostname: text }).success, false, name);
      const report = (identity: object) => reportSchema.safeParse({ agentVersion: '1', collectedAt: 'now', identity }).success;
      assert.equal(report({ hostname: text }), false, name);
      assert.equal(report({ serialNumber: text }), false, name);
      assert.equal(report({ macAddresses: [text] }), false, name);
    }
    // Display text beside them still takes a joiner: the signed-in user may be Persian.
    assert.equal(reportSchema.safeParse({ agentVersion: '1', collectedAt: 'now', identity: {}, user: 'محمد‌رضا' }).success, true);
    assert.equal(reportSchema.safeParse({ agentVersion: '1', collectedAt: 'now', identity: { hostname: '山田\u3000太郎' } }).success, true);
  });
});

describe('display text inside signed agent messages', () => {
  it('refuses control and bidi characters but never rewrites the text (the signature covers it as sent)', () => {
    assert.equal(displaySafeString(64).parse(' LAPTOP-ALICE '), ' LAPTOP-ALICE ');
    const refused = displaySafeString(64).safeParse('LAPTOP-\u202eEXE');
    assert.equal(refused.success, false);
    assert.match(refused.error?.issues[0]?.message ?? '', /U\+202E/);
    assert.equal(deviceIdentitySchema.safeParse({ hostname: 'a\u2066b' }).success, false);
    assert.equal(reportSchema.safeParse({ agentVersion: '1', collectedAt: 'now', identity: {}, user: 'alice\r' }).success, false);
  });

  it('covers the identifiers an agent reports: shown in findings, cautions and tables', () => {
    const report = (identity: object) => reportSchema.safeParse({ agentVersion: '1', collectedAt: 'now', identity });
    assert.equal(report({ serialNumber: 'S\u001b[2JX\u001b]0;pwn\u0007' }).success, false);
    assert.equal(report({ machineGuid: 'ab\u202ecd' }).success, false);
    assert.equal(report({ hardwareUuid: '564D\u200b1C2A' }).success, false);
    assert.equal(report({ macAddresses: ['02:FC:00:00:00:01', '02FC\u0000'] }).success, false);
    assert.equal(report({ serialNumber: 'To be filled by O.E.M.', macAddresses: ['02:FC:00:00:00:01'] }).success, true);
    // And the agent's version and collection time, shown on the endpoint's page.
    assert.equal(reportSchema.safeParse({ agentVersion: '1.0\u001b[2J\u202eevil', collectedAt: 'now', identity: {} }).success, false);
    assert.equal(reportSchema.safeParse({ agentVersion: '1.0', collectedAt: '\u001b[31mRED', identity: {} }).success, false);
  });

  it('covers the OS version, OS build, probe errors and EDR connector ID and details', () => {
    assert.equal(deviceIdentitySchema.safeParse({ osVersion: 'Windows 11\u202e' }).success, false);
    assert.equal(deviceIdentitySchema.safeParse({ osVersion: 'Ubuntu 24.04 LTS' }).success, true);
    assert.equal(postureSchema.safeParse({ osBuild: '22631\n' }).success, false);
    assert.equal(
      reportSchema.safeParse({ agentVersion: '1', collectedAt: 'now', identity: {}, probeErrors: { serialNumber: 'needs root\nreally' } })
        .success,
      false,
    );
    assert.equal(
      reportSchema.safeParse({ agentVersion: '1', collectedAt: 'now', identity: {}, probeErrors: { 'serial\u200b': 'needs root' } })
        .success,
      false,
    );
    assert.equal(deviceIdentitySchema.safeParse({ edr: [{ vendor: 'crowdstrike', connectorId: 'abc\u200b' }] }).success, false);
    assert.equal(deviceIdentitySchema.safeParse({ edr: [{ vendor: 'defender', details: { orgId: 'x\u2028y' } }] }).success, false);
    assert.equal(deviceIdentitySchema.safeParse({ edr: [{ vendor: 'defender', details: { 'org\u202eId': 'x' } }] }).success, false);
    assert.equal(
      deviceIdentitySchema.safeParse({ edr: [{ vendor: 'defender', connectorId: 'abc', details: { orgId: 'x' } }] }).success,
      true,
    );
  });

  it('names the first unsafe field of a describe answer', () => {
    assert.equal(unsafeTransactionField({ application: 'Payroll', username: 'alice@example.com' }), null);
    assert.deepEqual(unsafeTransactionField({ application: 'Pay\u200froll', username: 'alice' }), {
      field: 'application',
      character: 'U+200F',
    });
    assert.deepEqual(unsafeTransactionField({ application: 'Payroll', username: 'a\nb' }), { field: 'username', character: 'U+000A' });
    assert.deepEqual(unsafeTransactionField({ application: 'Payroll', username: 'a\u200bb' }), { field: 'username', character: 'U+200B' });
  });
});
