import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import { DpapiKeyStore, dpapiScript, powershellArgs } from '@devtrust/agent/keys/dpapi-store';
import { fakeOs, PEM } from './fakes.js';

const decodeScript = (args: readonly string[]) =>
  Buffer.from(args[args.indexOf('-EncodedCommand') + 1] ?? '', 'base64').toString('utf16le');

describe('Windows DPAPI key store', () => {
  it('the PowerShell command: no profile, non-interactive, the script encoded, LocalMachine scope', () => {
    const args = powershellArgs(dpapiScript('Protect', 'LocalMachine'));
    assert.deepEqual(args.slice(0, 5), ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand']);
    const script = decodeScript(args);
    assert.match(
      script,
      /\[System\.Security\.Cryptography\.ProtectedData\]::Protect\(\$data, \$entropy, \[System\.Security\.Cryptography\.DataProtectionScope\]::LocalMachine\)/,
    );
    assert.match(script, /\[Console\]::In\.ReadToEnd\(\)/);
  });

  it('protects through PowerShell with the key on stdin, stores only the blob, locks the folder, reads back', async () => {
    const os = fakeOs();
    const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-dpapi-'));
    const file = path.join(dir, 'device-key.dpapi');
    const store = new DpapiKeyStore(file, os.runner);
    assert.equal(await store.load(), null);
    await store.save(PEM);

    const [protect, icacls] = os.calls;
    assert.equal(protect!.command, 'powershell');
    assert.equal(protect!.stdin, Buffer.from(PEM).toString('base64'));
    assert.ok(!protect!.args.join(' ').includes(Buffer.from(PEM).toString('base64')));
    assert.deepEqual(icacls, {
      command: 'icacls',
      args: [dir, '/inheritance:r', '/grant:r', '*S-1-5-18:(OI)(CI)F', '*S-1-5-32-544:(OI)(CI)F'],
    });

    const stored = readFileSync(file, 'utf8');
    assert.ok(!Buffer.from(stored, 'base64').toString('utf8').includes('PRIVATE KEY'), 'the file holds ciphertext');
    assert.equal(await store.load(), PEM);
    assert.match(decodeScript(os.calls.at(-1)!.args), /::Unprotect\(/);
  });

  it('CurrentUser scope (a user running the CLI) leaves the folder ACL alone', async () => {
    const os = fakeOs();
    const store = new DpapiKeyStore(path.join(mkdtempSync(path.join(tmpdir(), 'devtrust-dpapi-')), 'k.dpapi'), os.runner, 'CurrentUser');
    await store.save(PEM);
    assert.deepEqual(
      os.calls.map((c) => c.command),
      ['powershell'],
    );
    assert.match(decodeScript(os.calls[0]!.args), /DataProtectionScope\]::CurrentUser/);
  });

  it("a blob DPAPI refuses: one clear error with PowerShell's first line", async () => {
    const os = fakeOs();
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'devtrust-dpapi-')), 'device-key.dpapi');
    writeFileSync(file, Buffer.from('not ours').toString('base64'));
    await assert.rejects(
      new DpapiKeyStore(file, os.runner).load(),
      /DPAPI unprotect failed: Exception calling "Unprotect": The data is invalid\.$/,
    );
  });
});
