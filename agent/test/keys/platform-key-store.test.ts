import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import { FileKeyStore } from '@devtrust/agent/keys/key-store';
import { MigratingKeyStore, platformKeyStore, runningAsSystem } from '@devtrust/agent/keys/platform-key-store';
import { fakeOs, fakeSafeStorage, PEM } from './fakes.js';

const tempDir = () => mkdtempSync(path.join(tmpdir(), 'devtrust-keys-'));

describe('choosing the key store', () => {
  it('table: platform × tray × service', () => {
    const cases: Array<[Parameters<typeof platformKeyStore>[0], string]> = [
      [{ dataDir: '/d', platform: 'linux' }, 'file'],
      [{ dataDir: '/d', platform: 'darwin' }, 'macos-keychain'],
      [{ dataDir: '/d', platform: 'darwin', asSystem: true }, 'macos-keychain'],
      [{ dataDir: '/d', platform: 'win32', asSystem: true }, 'windows-dpapi'],
      [{ dataDir: '/d', platform: 'win32' }, 'windows-dpapi'],
      [{ dataDir: '/d', platform: 'win32', safeStorage: fakeSafeStorage() }, 'electron-safe-storage'],
      [{ dataDir: '/d', platform: 'darwin', safeStorage: fakeSafeStorage() }, 'electron-safe-storage'],
      // safeStorage that cannot encrypt (no keyring): fall back to the OS store, never to plaintext through it.
      [{ dataDir: '/d', platform: 'darwin', safeStorage: fakeSafeStorage(false) }, 'macos-keychain'],
    ];
    for (const [choice, kind] of cases)
      assert.equal(platformKeyStore(choice).kind, kind, JSON.stringify({ ...choice, safeStorage: !!choice.safeStorage }));
  });

  it('a root service on macOS gets the System keychain', async () => {
    const os = fakeOs();
    await platformKeyStore({ dataDir: tempDir(), platform: 'darwin', asSystem: true, runner: os.runner }).load();
    assert.equal(os.calls[0]!.args.at(-1), '/Library/Keychains/System.keychain');
  });

  it('who counts as the system account', () => {
    assert.equal(runningAsSystem('win32', { USERNAME: 'WKS-042$' }), true);
    assert.equal(runningAsSystem('win32', { USERNAME: 'alice', USERPROFILE: 'C:\\Users\\alice' }), false);
    assert.equal(runningAsSystem('win32', { USERPROFILE: 'C:\\Windows\\system32\\config\\systemprofile' }), true);
  });
});

describe('the 0600 file store (Linux)', () => {
  it('writes the key owner-only, in an owner-only folder', async () => {
    const dir = path.join(tempDir(), 'nested');
    const file = path.join(dir, 'device-key.pem');
    await new FileKeyStore(file).save(PEM);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(await new FileKeyStore(file).load(), PEM);
  });

  it('a file left with looser permissions is tightened on the next save', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'device-key.pem');
    const store = new FileKeyStore(file);
    await store.save(PEM);
    (await import('node:fs')).chmodSync(file, 0o644);
    await store.save(PEM);
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });
});

describe('migrating from the 0600 file', () => {
  it('a key only in the old file moves into the platform store and the file is emptied', async () => {
    const dir = tempDir();
    await new FileKeyStore(path.join(dir, 'device-key.pem')).save(PEM);
    const os = fakeOs();
    const store = platformKeyStore({ dataDir: dir, platform: 'darwin', runner: os.runner });
    assert.ok(store instanceof MigratingKeyStore);
    assert.equal(await store.load(), PEM);
    assert.equal(os.keychain.get('com.devtrust.agent/device-key'), Buffer.from(PEM).toString('base64'));
    assert.equal(await new FileKeyStore(path.join(dir, 'device-key.pem')).load(), '');
    assert.equal(await store.load(), PEM);
  });
});
