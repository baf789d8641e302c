import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'vitest';
import { sanitizeManaged } from '@devtrust/agent/config/managed/index';
import { parsePlutilJson } from '@devtrust/agent/config/managed/parse-plutil-json';
import { POLICY_KEY, settingsFromRegValues } from '@devtrust/agent/config/managed/windows';
import { parseRegQuery, valuesOfKey } from '@devtrust/agent/platform/reg-query';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('reg query parser: the policy key', () => {
  const parsed = parseRegQuery(fixture('reg-query-agent.txt'));

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
