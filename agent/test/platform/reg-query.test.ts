import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'vitest';
import { POLICY_KEY } from '@devtrust/agent/config/managed/windows';
import { expandHive, parseRegQuery, regNumber, regText, regValue, valuesOfKey } from '@devtrust/agent/platform/reg-query';
import { classifyRegFailure } from '@devtrust/agent/platform/reg-read';
import { FIXTURES } from '../collect/fixture-host.js';

// reg.exe output as recorded for its two readers: the policy key (beside the managed-settings
// tests) and whole machines (beside the collector tests). One parser reads both.
const policyFixture = (name: string) => readFileSync(new URL(`../config/managed/fixtures/${name}`, import.meta.url), 'utf8');
const machineFixture = (machine: string, file: string) => readFileSync(path.join(FIXTURES, 'windows', machine, file), 'utf8');

describe('reg query parser', () => {
  const parsed = parseRegQuery(policyFixture('reg-query-agent.txt'));

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

  it('reg query: CRLF output, values by case-insensitive key and name', () => {
    const guid = parseRegQuery(machineFixture('dell-latitude-7420', 'reg-machineguid.txt'));
    assert.deepEqual(regValue(guid, 'HKLM\\SOFTWARE\\Microsoft\\Cryptography', 'machineguid'), {
      type: 'REG_SZ',
      value: '6f2e1c3a-8b4d-4e5f-9a0b-1c2d3e4f5a6b',
    });
    assert.equal(regText(regValue(guid, 'HKLM\\SOFTWARE\\Microsoft\\Cryptography', 'MachineGuid')), '6f2e1c3a-8b4d-4e5f-9a0b-1c2d3e4f5a6b');
    const atp = parseRegQuery(machineFixture('dell-latitude-7420', 'reg-defender.txt'));
    const key = 'HKLM\\SOFTWARE\\Microsoft\\Windows Advanced Threat Protection';
    assert.equal(regNumber(regValue(atp, `${key}\\Status`, 'OnboardingState')), 1);
    assert.equal(regValue(atp, key, 'senseId')?.value, 'e3b9a2c4d5f60718293a4b5c6d7e8f9012345678');
    assert.equal(regValue(atp, key, 'OnboardingState'), null, 'a subkey value does not leak into its parent');
    assert.equal(regNumber(regValue(atp, key, 'senseId')), null, 'a string is not a number');
    assert.equal(regText(regValue(atp, `${key}\\Status`, 'OnboardingState')), null, 'a number is not text');
    assert.equal(regValue(atp, key, 'InstallLocation')?.value, 'C:\\Program Files\\Windows Defender Advanced Threat Protection\\');
    const ag = parseRegQuery(machineFixture('dell-latitude-7420', 'reg-crowdstrike-ag.txt'));
    assert.equal([...ag.values()][0]?.get('AG')?.type, 'REG_BINARY');
    const current = parseRegQuery(machineFixture('asrock-whitebox', 'reg-currentversion.txt'));
    assert.equal(regNumber(regValue(current, 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion', 'UBR')), 4291);
  });

  it('reg failures: told apart by what the parent key lists, the same message either way', async () => {
    const message = machineFixture('asrock-whitebox', 'reg-denied.stderr.txt');
    const listing = '\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\r\n\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Present\r\n';
    const run = async (args: string[]) =>
      args[1] === 'HKLM\\SOFTWARE'
        ? { ok: true as const, code: 0, stdout: listing, stderr: '' }
        : { ok: true as const, code: 1, stdout: '', stderr: message };
    assert.equal(await classifyRegFailure(run, 'HKLM\\SOFTWARE\\Present'), 'denied');
    assert.equal(await classifyRegFailure(run, 'HKLM\\SOFTWARE\\Absent'), 'missing');
    assert.equal(await classifyRegFailure(run, 'HKLM\\SOFTWARE\\Absent\\Deeper'), 'missing');
    const refusing = async () => ({ ok: true as const, code: 1, stdout: '', stderr: message });
    assert.equal(await classifyRegFailure(refusing, 'HKLM\\SOFTWARE\\Present'), 'denied', 'not even HKLM lists');
  });
});
