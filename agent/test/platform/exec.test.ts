import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { LINUX_COMMANDS, MACOS_COMMANDS, windowsCommands } from '../../src/platform/allowlist.js';
import { createRunner, pickVersionedFolder, type ExecResult } from '../../src/platform/exec.js';

// Real commands of this Linux machine, under test-only allowlist names.
const allowlist = {
  sleep: '/bin/sleep',
  echo: '/bin/echo',
  sh: '/bin/sh',
  yes: '/usr/bin/yes',
  env: '/usr/bin/env',
  missing: '/nonexistent/tool',
};
const work = mkdtempSync(path.join(tmpdir(), 'devtrust-exec-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Alive and not a zombie (PID 1 here may not reap orphans). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  return !/^\d+ \(.*\) Z /.test(stat);
}

function assertOk(result: ExecResult): asserts result is Extract<ExecResult, { ok: true }> {
  assert.equal(result.ok, true, result.ok ? '' : result.reason);
}

describe('exec: the one door for OS commands', () => {
  it('refuses a command that is not in the allowlist, including inherited property names', async () => {
    const run = createRunner({ allowlist });
    for (const name of ['rm', 'bash', 'toString', '__proto__', 'constructor']) {
      const result = await run(name, ['-rf', '/']);
      assert.deepEqual(result.ok ? null : result.kind, 'not-allowed', name);
    }
  });

  it('passes arguments verbatim: no shell interprets them', async () => {
    const marker = path.join(work, 'pwned');
    const args = [`$(touch ${marker})`, '`id`', '; rm -rf /', '*', '&& echo', "'quoted'", '|cat'];
    const result = await createRunner({ allowlist })('echo', args);
    assertOk(result);
    assert.equal(result.stdout, `${args.join(' ')}\n`);
    assert.equal(existsSync(marker), false);
  });

  it('kills a command that outlives its timeout, with everything it started', async () => {
    // sh starts a sleeping grandchild and waits: the kill must reach both.
    const result = await createRunner({ allowlist })('sh', ['-c', 'sleep 60 & echo $$ $!; wait'], { timeoutMs: 300 });
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.kind, 'timeout');
    assert.match(result.reason, /did not finish within 300 ms and was killed/);
    const [shell, grandchild] = (result.stdout ?? '').trim().split(' ').map(Number);
    assert.ok(shell && grandchild, `pids printed before the kill: "${result.stdout}"`);
    assert.equal(alive(shell), false, 'the command is gone');
    assert.equal(alive(grandchild), false, 'its child is gone too');
  });

  it('kills a command whose output passes the cap', async () => {
    const result = await createRunner({ allowlist, maxOutputBytes: 64 * 1024 })('yes', []);
    assert.deepEqual(result.ok ? null : result.kind, 'too-large');
  });

  it('hands a secret to the command on stdin, never on its command line', async () => {
    const result = await createRunner({ allowlist })('sh', ['-c', 'read secret; echo "got:$secret"'], { stdin: 'hunter2\n' });
    assertOk(result);
    assert.equal(result.stdout.trim(), 'got:hunter2');
  });

  it('reports a non-zero exit as a result for the parser, not a failure', async () => {
    const result = await createRunner({ allowlist })('sh', ['-c', 'echo out; echo err >&2; exit 3']);
    assert.deepEqual(result, { ok: true, code: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it('says "not installed" when the allowlisted file does not exist', async () => {
    const result = await createRunner({ allowlist })('missing', []);
    assert.deepEqual(result.ok ? null : result.kind, 'not-installed');
  });

  it('asks for English messages, whatever the locale', async () => {
    const result = await createRunner({ allowlist })('env', []);
    assertOk(result);
    assert.match(result.stdout, /^LC_MESSAGES=C$/m);
    assert.doesNotMatch(result.stdout, /^LC_ALL=/m);
  });

  it('runs the highest version of a versioned install folder (SentinelOne on Windows)', async () => {
    for (const version of ['Tool 1.9.0', 'Tool 1.10.2', 'Tool 1.2.7', 'Other 9.9']) {
      mkdirSync(path.join(work, 'vendor', version), { recursive: true });
      const script = path.join(work, 'vendor', version, 'ctl');
      writeFileSync(script, `#!/bin/sh\necho "${version}"\n`);
      chmodSync(script, 0o755);
    }
    const run = createRunner({ allowlist: { ctl: { parent: path.join(work, 'vendor'), folderPrefix: 'Tool', file: 'ctl' } } });
    const result = await run('ctl', []);
    assertOk(result);
    assert.equal(result.stdout.trim(), 'Tool 1.10.2');
    const none = await createRunner({ allowlist: { ctl: { parent: path.join(work, 'absent'), folderPrefix: 'Tool', file: 'ctl' } } })(
      'ctl',
      [],
    );
    assert.deepEqual(none.ok ? null : none.kind, 'not-installed');
  });

  it('picks versions numerically, not alphabetically', () => {
    const cases: Array<[string[], string | null]> = [
      [['Sentinel Agent 22.3.4.8', 'Sentinel Agent 23.4.2.14', 'Sentinel Agent 23.10.1.2'], 'Sentinel Agent 23.10.1.2'],
      [['sentinel agent 21.7.1.1'], 'sentinel agent 21.7.1.1'],
      [['Config', 'Logs'], null],
      [[], null],
    ];
    for (const [entries, want] of cases) assert.equal(pickVersionedFolder(entries, 'Sentinel Agent'), want);
  });

  it('has only absolute paths in the default allowlists', () => {
    for (const file of [...Object.values(MACOS_COMMANDS), ...Object.values(LINUX_COMMANDS)]) assert.ok(path.posix.isAbsolute(file), file);
    for (const location of Object.values(windowsCommands({}))) {
      const file = typeof location === 'string' ? location : location.parent;
      assert.ok(path.win32.isAbsolute(file) && /^[A-Z]:\\/i.test(file), file);
    }
    // SentinelOne on macOS: the agent bundle's sentinelctl (every install has it), the /usr/local/bin link as well.
    assert.equal(MACOS_COMMANDS.sentinelctl, '/Library/Sentinel/sentinel-agent.bundle/Contents/MacOS/sentinelctl');
    assert.equal(MACOS_COMMANDS['sentinelctl-link'], '/usr/local/bin/sentinelctl');
    assert.equal(windowsCommands({}).powershell, 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe');
    assert.equal(windowsCommands({}).reg, 'C:\\Windows\\System32\\reg.exe');
    // A relative or odd SystemRoot in the environment cannot move the commands.
    assert.equal(windowsCommands({ SystemRoot: '..\\evil' }).reg, 'C:\\Windows\\System32\\reg.exe');
    assert.equal(windowsCommands({ SystemRoot: 'D:\\Windows' }).reg, 'D:\\Windows\\System32\\reg.exe');
  });
});
