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

  // reg.exe exits 1 for every failure, in the machine's language: the parent key's listing says the key is absent.
  const policiesWithout = '\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\r\n\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\r\n';
  function answering(answers: Record<string, CommandResult>) {
    return async (_command: string, args: readonly string[]): Promise<ExecResult> => ({
      ok: true,
      ...(answers[args[1] as string] ?? { code: 1, stdout: '', stderr: 'FEHLER: Zugriff verweigert' }),
    });
  }

  it('no policy key: no settings and no problem, whatever language reg.exe speaks', async () => {
    for (const stderr of [
      fixture('reg-query-not-found.stderr.txt'),
      'FEHLER: Das System kann den angegebenen Registrierungsschlüssel nicht finden.',
    ]) {
      const runner = answering({
        'HKLM\\SOFTWARE\\Policies\\DevTrust\\Agent': { code: 1, stdout: '', stderr },
        'HKLM\\SOFTWARE\\Policies\\DevTrust': { code: 1, stdout: '', stderr },
        'HKLM\\SOFTWARE\\Policies': { code: 0, stdout: policiesWithout, stderr: '' },
      });
      assert.deepEqual(await windowsManagedReader(runner)(), { settings: {}, source: null });
    }
  });

  it('reg.exe refusing every query (DisableRegistryTools) is a problem that quotes it, not "no policy"', async () => {
    const result = await windowsManagedReader(answering({}))();
    assert.equal(result.source, 'HKLM\\SOFTWARE\\Policies\\DevTrust\\Agent');
    assert.match(result.problem ?? '', /Zugriff verweigert/);
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
