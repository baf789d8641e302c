import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'vitest';
import { sanitizeManaged } from '@devtrust/agent/config/managed/index';
import { parsePlutilJson } from '@devtrust/agent/config/managed/parse-plutil-json';
import { expandHive, parseRegQuery, valuesOfKey } from '@devtrust/agent/config/managed/parse-reg-query';
import { POLICY_KEY, settingsFromRegValues } from '@devtrust/agent/config/managed/windows';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('reg query parser', () => {
  const parsed = parseRegQuery(fixture('reg-query-agent.txt'));

  it('reads every key and its values, with types', () => {
    assert.deepEqual(
      [...parsed.keys()],
      ['HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\DevTrust\\Agent', 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\DevTrust\\Agent\\Staging'],
    );
    const values = valuesOfKey(parsed, POLICY_KEY)!;
    assert.deepEqual(values.get('collectorUrl'), { type: 'REG_SZ', value: 'https://trust.example.com' });
    assert.deepEqual(values.get('enrollmentKey'), { type: 'REG_SZ', value: 'ek_7Hq2 with spaces & <symbols>' });
    assert.deepEqual(values.get('disallowQuit'), { type: 'REG_DWORD', value: 1 });
    assert.deepEqual(values.get('supportUrl'), { type: 'REG_EXPAND_SZ', value: 'https://help.example.com/devtrust' });
    assert.deepEqual(values.get('allowedOrigins'), { type: 'REG_MULTI_SZ', value: ['https://a.example.com', 'https://b.example.com'] });
    assert.deepEqual(values.get('emptyNote'), { type: 'REG_SZ', value: '' });
  });

  it("keeps a subkey's values out of the policy key", () => {
    const settings = sanitizeManaged(settingsFromRegValues(valuesOfKey(parsed, POLICY_KEY)!));
    assert.deepEqual(settings, {
      collectorUrl: 'https://trust.example.com',
      enrollmentKey: 'ek_7Hq2 with spaces & <symbols>',
      disallowQuit: true,
      supportUrl: 'https://help.example.com/devtrust',
    });
  });

  it('matches value names and key paths case-insensitively; a DWORD 0 does not disallow quitting', () => {
    const values = valuesOfKey(parseRegQuery(fixture('reg-query-agent-mixed-case.txt')), 'hklm\\software\\policies\\devtrust\\agent')!;
    assert.deepEqual(sanitizeManaged(settingsFromRegValues(values)), { collectorUrl: 'https://trust.example.com/' });
  });

  it('table: odd lines', () => {
    const cases: Array<[string, unknown]> = [
      ['', new Map()],
      ['    orphan    REG_SZ    before any key\r\n', new Map()],
      [
        'HKEY_LOCAL_MACHINE\\X\r\n    n    REG_DWORD    0xffffffff\r\n',
        new Map([['HKEY_LOCAL_MACHINE\\X', new Map([['n', { type: 'REG_DWORD', value: 4294967295 }]])]]),
      ],
      [
        'HKEY_LOCAL_MACHINE\\X\n    n    REG_DWORD    garbage\n',
        new Map([['HKEY_LOCAL_MACHINE\\X', new Map([['n', { type: 'REG_DWORD', value: Number.NaN }]])]]),
      ],
      [
        'HKEY_LOCAL_MACHINE\\X\n    a name    REG_SZ    a  value\n',
        new Map([['HKEY_LOCAL_MACHINE\\X', new Map([['a name', { type: 'REG_SZ', value: 'a  value' }]])]]),
      ],
    ];
    for (const [input, expected] of cases) assert.deepEqual(parseRegQuery(input), expected, JSON.stringify(input));
    assert.equal(expandHive('HKLM\\SOFTWARE'), 'HKEY_LOCAL_MACHINE\\SOFTWARE');
  });
});

describe('plutil JSON parser', () => {
  it('reads the managed preferences, un-escaping \\/ and dropping unknown keys', () => {
    const raw = parsePlutilJson(fixture('plutil-json-agent.txt'));
    assert.equal(raw.PayloadUUID, '5E1F6A4C-1B52-4D9B-9C1E-2F1B0C6D7A11');
    assert.deepEqual(sanitizeManaged(raw), {
      collectorUrl: 'https://trust.example.com',
      enrollmentKey: 'ek_7Hq2&<x>',
      disallowQuit: true,
      supportUrl: 'https://help.example.com/devtrust',
    });
  });

  it('agrees with the XML plist it stands for', () => {
    const xml = fixture('com.devtrust.agent.plist');
    for (const [key, value] of Object.entries(parsePlutilJson(fixture('plutil-json-agent.txt')))) {
      assert.ok(xml.includes(`<key>${key}</key>`), key);
      if (typeof value === 'string') assert.ok(xml.includes(value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')), key);
    }
  });

  it('refuses what is not a dictionary', () => {
    assert.throws(() => parsePlutilJson('[1]'), /not a dictionary/);
    assert.throws(() => parsePlutilJson('"x"'), /not a dictionary/);
    assert.throws(() => parsePlutilJson('<?xml'), SyntaxError);
  });

  it('sanitizes wrong types away', () => {
    assert.deepEqual(sanitizeManaged({ collectorUrl: 42, enrollmentKey: '  ', disallowQuit: 'yes', supportUrl: ['x'] }), {});
  });
});
