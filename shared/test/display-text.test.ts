import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { displaySafeString, displayText, deviceIdentitySchema, postureSchema, unsafeCharacter } from '@devtrust/shared/identity';
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

  it('refuses a leading or trailing newline, U+2028 or U+FEFF instead of trimming it away; ordinary spaces are trimmed', () => {
    for (const text of ['\nalice', 'alice\r\n', '\u2028alice', 'alice\u2029', '\ufeffalice', 'alice\ufeff', '\u0085alice', 'alice\t']) {
      assert.equal(displayText(256).safeParse(text).success, false, JSON.stringify(text));
    }
    assert.equal(displayText(256).parse('  alice  '), 'alice');
    assert.equal(displayText(256).safeParse('   ').success, false);
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
