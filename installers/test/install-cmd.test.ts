import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { buildInstallCmd, cmdMsiProperty } from '../src/windows/install-cmd.js';

/**
 * What msiexec receives for PROP="…" on a batch-file line: cmd turns %% into % (and
 * would expand a single %NAME%), keeps & | < > ^ literal inside quotes as long as the
 * quotes pair up, and msiexec turns "" inside a quoted value into ".
 */
function asMsiexecSees(token: string): { name: string; value: string; quotesBalanced: boolean } {
  assert.doesNotMatch(token.replace(/%%/g, ''), /%/, 'no single % left for cmd to expand');
  const afterCmd = token.replace(/%%/g, '%');
  const match = /^([A-Z][A-Z0-9_]*)="((?:[^"]|"")*)"$/.exec(afterCmd);
  assert.ok(match, `a quoted property: ${token}`);
  return { name: match[1]!, value: match[2]!.replace(/""/g, '"'), quotesBalanced: (token.match(/"/g) ?? []).length % 2 === 0 };
}

describe('install.cmd quoting', () => {
  it('table: values round-trip through cmd and msiexec', () => {
    const values = [
      'https://trust.example.com',
      'ek_7Hq2',
      'a b c',
      'a"b',
      '""',
      '50%',
      '%PATH%',
      '100%%',
      '&|<>^',
      '!bang!',
      "it's",
      'x"&calc.exe&"y',
      '^"',
    ];
    for (const value of values) {
      const token = cmdMsiProperty('ENROLLMENTKEY', value);
      const seen = asMsiexecSees(token);
      assert.equal(seen.value, value, token);
      assert.equal(seen.quotesBalanced, true, `${token}: an even number of quotes keeps & | < > inside cmd's quoting`);
    }
  });

  it('refuses what a .cmd line cannot carry', () => {
    assert.throws(() => cmdMsiProperty('ENROLLMENTKEY', 'a\r\nshutdown /s'), /line breaks/);
    assert.throws(() => cmdMsiProperty('enrollmentKey', 'x'), /public MSI property/);
  });

  it('the script: both properties on the msiexec line, exit codes passed on', () => {
    const script = buildInstallCmd({ collectorUrl: 'https://trust.example.com', enrollmentKey: 'k%1"x' });
    const line = script.split('\r\n').find((l) => l.startsWith('msiexec.exe'))!;
    assert.ok(line.endsWith('COLLECTORURL="https://trust.example.com" ENROLLMENTKEY="k%%1""x"'), line);
    assert.match(script, /if "%RC%"=="3010" exit \/b 0\r\nexit \/b %RC%/);
  });
});
