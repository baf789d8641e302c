import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { KeychainKeyStore, SYSTEM_KEYCHAIN } from '@devtrust/agent/keys/keychain-store';
import { fakeOs, PEM } from './fakes.js';

describe('macOS Keychain key store', () => {
  it('no item yet: load() is null (security exits 44)', async () => {
    const os = fakeOs();
    assert.equal(await new KeychainKeyStore(os.runner).load(), null);
    assert.deepEqual(os.calls[0], {
      command: 'security',
      args: ['find-generic-password', '-s', 'com.devtrust.agent', '-a', 'device-key', '-w'],
    });
  });

  it('saves through `security -i` on stdin, never with the secret on the command line, and reads it back', async () => {
    const os = fakeOs();
    const store = new KeychainKeyStore(os.runner);
    await store.save(PEM);
    const add = os.calls[0]!;
    assert.deepEqual(add.args, ['-i']);
    assert.equal(add.stdin, `add-generic-password -U -s com.devtrust.agent -a device-key -w ${Buffer.from(PEM).toString('base64')}\n`);
    for (const call of os.calls)
      assert.ok(!call.args.join(' ').includes('PRIVATE KEY') && !call.args.join(' ').includes(Buffer.from(PEM).toString('base64')));
    // save() verifies by reading back.
    assert.equal(os.calls[1]!.args[0], 'find-generic-password');
    assert.equal(await store.load(), PEM);
  });

  it('a root service uses the System keychain, on every command', async () => {
    const os = fakeOs();
    const store = new KeychainKeyStore(os.runner, SYSTEM_KEYCHAIN);
    await store.save(PEM);
    await store.load();
    await store.clear();
    assert.match(os.calls[0]!.stdin ?? '', / \/Library\/Keychains\/System\.keychain\n$/);
    for (const call of os.calls.slice(1)) assert.equal(call.args.at(-1), '/Library/Keychains/System.keychain');
  });

  it('a failed add (security -i still exits 0) is caught by the read-back', async () => {
    const os = fakeOs();
    os.failNextAdds();
    await assert.rejects(new KeychainKeyStore(os.runner).save(PEM), /cannot store the device key in the Keychain/);
  });

  it('clear() deletes the item, and is quiet when there is none', async () => {
    const os = fakeOs();
    const store = new KeychainKeyStore(os.runner);
    await store.save(PEM);
    await store.clear();
    assert.equal(await store.load(), null);
    await store.clear();
    assert.deepEqual(os.calls.at(-1)!.args, ['delete-generic-password', '-s', 'com.devtrust.agent', '-a', 'device-key']);
  });

  it('table: find-generic-password outputs', async () => {
    const cases: Array<[{ code: number; stdout: string; stderr: string }, string | null | RegExp]> = [
      [{ code: 0, stdout: `${Buffer.from(PEM).toString('base64')}\n`, stderr: '' }, PEM],
      [{ code: 44, stdout: '', stderr: 'could not be found' }, null],
      [{ code: 51, stdout: '', stderr: 'User interaction is not allowed.' }, /User interaction is not allowed/],
      [{ code: 0, stdout: 'not base64 at all!\n', stderr: '' }, /not a DevTrust device key/],
    ];
    for (const [result, expected] of cases) {
      const store = new KeychainKeyStore(async () => ({ ok: true as const, ...result }));
      if (expected instanceof RegExp) await assert.rejects(store.load(), expected);
      else assert.equal(await store.load(), expected);
    }
  });
});
