import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import { SafeStorageKeyStore } from '@devtrust/agent/keys/safe-storage-store';
import { fakeSafeStorage, PEM } from './fakes.js';

describe('Electron safeStorage key store (tray app)', () => {
  it('stores the ciphertext only, owner-only, and reads the key back', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'devtrust-ss-')), 'device-key.safestorage');
    const safe = fakeSafeStorage();
    const store = new SafeStorageKeyStore(safe, file);
    assert.equal(await store.load(), null);
    await store.save(PEM);
    assert.equal(safe.encrypted, 1);
    const stored = readFileSync(file, 'utf8');
    assert.ok(!Buffer.from(stored, 'base64').toString('utf8').includes('PRIVATE KEY'));
    assert.equal(await store.load(), PEM);
    await store.clear();
    assert.equal(await store.load(), null);
  });

  it('refuses to save in the clear when the OS keystore is unavailable', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'devtrust-ss-')), 'device-key.safestorage');
    await assert.rejects(new SafeStorageKeyStore(fakeSafeStorage(false), file).save(PEM), /not available/);
  });
});
