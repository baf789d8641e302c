import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import { macosManagedReader, MANAGED_PREFERENCES_FILE } from '@devtrust/agent/config/managed/macos';
import { windowsManagedReader } from '@devtrust/agent/config/managed/windows';
import type { CommandResult } from '@devtrust/agent/platform/command-error';
import type { ExecResult, RunOptions } from '@devtrust/agent/platform/exec';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

function fakeRunner(result: CommandResult) {
  const calls: Array<{ command: string; args: readonly string[]; options?: RunOptions }> = [];
  const runner = async (command: string, args: readonly string[], options?: RunOptions): Promise<ExecResult> => {
    calls.push({ command, args, options });
    return { ok: true, ...result };
  };
  return { runner, calls };
}

describe('Windows policy reader', () => {
  it('runs reg query on the policy key in the 64-bit view and reads its values', async () => {
    const { runner, calls } = fakeRunner({ code: 0, stdout: fixture('reg-query-agent.txt'), stderr: '' });
    const result = await windowsManagedReader(runner)();
    assert.deepEqual(
      calls.map((c) => [c.command, c.args]),
      [['reg', ['query', 'HKLM\\SOFTWARE\\Policies\\DevTrust\\Agent', '/s', '/reg:64']]],
    );
    assert.equal(result.source, 'HKLM\\SOFTWARE\\Policies\\DevTrust\\Agent');
    assert.equal(result.settings.collectorUrl, 'https://trust.example.com');
    assert.equal(result.settings.disallowQuit, true);
    assert.equal(result.problem, undefined);
  });

  it('no policy key: no settings and no problem', async () => {
    const { runner } = fakeRunner({ code: 1, stdout: '', stderr: fixture('reg-query-not-found.stderr.txt') });
    assert.deepEqual(await windowsManagedReader(runner)(), { settings: {}, source: null });
  });

  it('another failure or a runner that throws: a problem, never a throw', async () => {
    const denied = await windowsManagedReader(fakeRunner({ code: 1, stdout: '', stderr: 'ERROR: Access is denied.' }).runner)();
    assert.match(denied.problem ?? '', /Access is denied/);
    const broken = await windowsManagedReader(async () => {
      throw new Error('spawn failed');
    })();
    assert.deepEqual(broken.settings, {});
    assert.match(broken.problem ?? '', /spawn failed/);
  });
});

describe('macOS managed-preferences reader', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-managed-'));
  const plist = path.join(dir, 'com.devtrust.agent.plist');
  writeFileSync(plist, fixture('com.devtrust.agent.plist'));

  it('reads /Library/Managed Preferences/com.devtrust.agent.plist by default', () => {
    assert.equal(MANAGED_PREFERENCES_FILE, '/Library/Managed Preferences/com.devtrust.agent.plist');
  });

  it('converts the plist with plutil to JSON and sanitizes it', async () => {
    const { runner, calls } = fakeRunner({ code: 0, stdout: fixture('plutil-json-agent.txt'), stderr: '' });
    const result = await macosManagedReader(runner, plist)();
    assert.deepEqual(
      calls.map((c) => [c.command, c.args]),
      [['plutil', ['-convert', 'json', '-o', '-', plist]]],
    );
    assert.deepEqual(result, {
      settings: {
        collectorUrl: 'https://trust.example.com',
        enrollmentKey: 'ek_7Hq2&<x>',
        disallowQuit: true,
        supportUrl: 'https://help.example.com/devtrust',
      },
      source: plist,
    });
  });

  it('no profile installed: plutil is not even run', async () => {
    const { runner, calls } = fakeRunner({ code: 0, stdout: '{}', stderr: '' });
    assert.deepEqual(await macosManagedReader(runner, path.join(dir, 'absent.plist'))(), { settings: {}, source: null });
    assert.equal(calls.length, 0);
  });

  it("a broken plist: a problem naming plutil's complaint", async () => {
    const { runner } = fakeRunner({ code: 1, stdout: '', stderr: fixture('plutil-error.stderr.txt') });
    const result = await macosManagedReader(runner, plist)();
    assert.deepEqual(result.settings, {});
    assert.match(result.problem ?? '', /Property List error/);
    const garbage = await macosManagedReader(fakeRunner({ code: 0, stdout: 'not json', stderr: '' }).runner, plist)();
    assert.match(garbage.problem ?? '', /JSON/);
  });
});

describe('every platform has a managed-settings reader that never throws', () => {
  it('darwin, win32, linux', async () => {
    const { platformManagedReader } = await import('@devtrust/agent/config/managed/index');
    for (const platform of ['darwin', 'win32', 'linux'] as const) {
      const result = await platformManagedReader(platform)();
      assert.equal(typeof result.settings, 'object', platform);
    }
  });
});
