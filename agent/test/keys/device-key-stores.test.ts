import assert from 'node:assert/strict';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import { encodeP256PublicKey, verifyPayload } from '@devtrust/shared/crypto';
import { SoftwareKeyStore } from '@devtrust/agent/keys/device-key';
import { FileKeyStore } from '@devtrust/agent/keys/key-store';
import { SecureEnclaveKeyStore } from '@devtrust/agent/keys/secure-enclave-store';
import { openDeviceKey, platformDeviceKeyStores, type DeviceKeyStores } from '@devtrust/agent/keys/select-device-key';
import { eccPublicBlobToPoint, PLATFORM_PROVIDER, tpmScript, TpmKeyStore } from '@devtrust/agent/keys/tpm-store';
import { eccPublicBlob, fakeSecureEnclaveHelper, fakeTpm } from './fake-key-helpers.js';

const tempDir = () => mkdtempSync(path.join(tmpdir(), 'devtrust-hwkeys-'));
const PAYLOAD = { type: 'report', seq: 7, nonce: 'n-1', endpointId: 'ep_1' };
const software = (dir = tempDir()) => new SoftwareKeyStore(new FileKeyStore(path.join(dir, 'device-key.pem')));

describe('which device key stores an agent has', () => {
  it('table: platform × preference', () => {
    const cases: Array<[NodeJS.Platform, 'auto' | 'off' | undefined, string | null]> = [
      ['darwin', undefined, 'secure-enclave'],
      ['darwin', 'auto', 'secure-enclave'],
      ['darwin', 'off', null],
      ['win32', 'auto', 'tpm'],
      ['win32', 'off', null],
      ['linux', 'auto', null],
    ];
    for (const [platform, hardware, kind] of cases) {
      const stores = platformDeviceKeyStores({ dataDir: '/d', platform, ...(hardware ? { hardware } : {}) });
      assert.equal(stores.hardware?.kind ?? null, kind, `${platform} ${hardware}`);
      assert.equal(stores.software.kind, 'software');
    }
  });
});

describe('opening the device key: hardware first, software as the fallback', () => {
  it('a new enrollment gets a Secure Enclave key when the helper answers, and its signatures verify as the collector checks them', async () => {
    const helper = fakeSecureEnclaveHelper();
    const dir = tempDir();
    const stores: DeviceKeyStores = {
      software: software(dir),
      hardware: new SecureEnclaveKeyStore(path.join(dir, 'se.json'), helper.runner),
    };
    const opened = await openDeviceKey(stores, null);
    assert.equal(opened.key.kind, 'secure-enclave');
    assert.equal(opened.note, null);
    assert.equal(Buffer.from(opened.key.publicKey, 'base64url').length, 65);
    assert.equal(verifyPayload(opened.key.publicKey, PAYLOAD, await opened.key.sign(PAYLOAD)), true);
    assert.equal(verifyPayload(opened.key.publicKey, { ...PAYLOAD, seq: 8 }, await opened.key.sign(PAYLOAD)), false);
    // The handle file is owner-only and holds no private key in the clear (on a Mac: an enclave-encrypted blob).
    assert.equal(statSync(path.join(dir, 'se.json')).mode & 0o777, 0o600);
    const reopened = await openDeviceKey(stores, { kind: 'secure-enclave' });
    assert.equal(reopened.key.publicKey, opened.key.publicKey);
    assert.equal(reopened.reenroll, false);
    assert.deepEqual(helper.calls.slice(0, 2), ['devtrust-keyhelper probe', 'devtrust-keyhelper create']);
  });

  it('falls back to a software key, saying why, when the helper is missing, finds no enclave, or fails to create', async () => {
    const cases: Array<[ReturnType<typeof fakeSecureEnclaveHelper>, RegExp]> = [
      [fakeSecureEnclaveHelper({ installed: false }), /the Secure Enclave helper cannot run \(not installed\); using a software key/],
      [
        fakeSecureEnclaveHelper({ secureEnclave: 'not-available' }),
        /no Secure Enclave on this Mac \(not-available\); using a software key/,
      ],
    ];
    for (const [helper, note] of cases) {
      const dir = tempDir();
      const opened = await openDeviceKey(
        { software: software(dir), hardware: new SecureEnclaveKeyStore(path.join(dir, 'se.json'), helper.runner) },
        null,
      );
      assert.equal(opened.key.kind, 'software');
      assert.match(opened.note ?? '', note);
      assert.equal(verifyPayload(opened.key.publicKey, PAYLOAD, await opened.key.sign(PAYLOAD)), true);
    }
    const dir = tempDir();
    const failing = new SecureEnclaveKeyStore(path.join(dir, 'se.json'), async (_c, args) =>
      args[0] === 'probe'
        ? { ok: true, code: 0, stdout: '{"secureEnclave":"available"}', stderr: '' }
        : { ok: true, code: 1, stdout: '', stderr: 'SecKeyCreateRandomKey: -25293' },
    );
    const opened = await openDeviceKey({ software: software(dir), hardware: failing }, null);
    assert.equal(opened.key.kind, 'software');
    assert.match(opened.note ?? '', /could not create a secure-enclave key \(.*-25293\); using a software key/);
  });

  it('an enrolled software key stays software even where a hardware store appears (the collector knows the endpoint by that key)', async () => {
    const dir = tempDir();
    const first = await openDeviceKey({ software: software(dir), hardware: null }, null);
    const helper = fakeSecureEnclaveHelper();
    const later = await openDeviceKey(
      { software: software(dir), hardware: new SecureEnclaveKeyStore(path.join(dir, 'se.json'), helper.runner) },
      { kind: 'software' },
    );
    assert.equal(later.key.publicKey, first.key.publicKey);
    assert.equal(later.reenroll, false);
    assert.deepEqual(helper.calls, []);
  });

  it('an enrolled hardware key that is gone or unusable means a new key and a new enrollment', async () => {
    const dir = tempDir();
    const hardware = new SecureEnclaveKeyStore(path.join(dir, 'se.json'), fakeSecureEnclaveHelper().runner);
    await openDeviceKey({ software: software(dir), hardware }, null);
    // The helper was removed: the stored handle cannot sign any more, and no hardware store is offered.
    const gone = await openDeviceKey({ software: software(dir), hardware: null }, { kind: 'secure-enclave' });
    assert.equal(gone.reenroll, true);
    assert.equal(gone.key.kind, 'software');
    assert.match(gone.note ?? '', /this machine no longer offers a secure-enclave key store: enrolling again with a new key/);
    // A handle file that is not one.
    writeFileSync(path.join(dir, 'se.json'), '{"publicKey":"x","keyData":"y"}');
    const broken = await openDeviceKey({ software: software(dir), hardware }, { kind: 'secure-enclave' });
    assert.equal(broken.reenroll, true);
    assert.match(
      broken.note ?? '',
      /the secure-enclave device key cannot be used \(the Secure Enclave key handle holds no P-256 public key\)/,
    );
  });

  it('refuses helper answers that are not what the protocol says', async () => {
    const answers = ['not json', '{"publicKey":1}', `{"publicKey":"${'A'.repeat(87)}","keyData":"abc="}`];
    for (const stdout of answers) {
      const store = new SecureEnclaveKeyStore(path.join(tempDir(), 'se.json'), async () => ({ ok: true, code: 0, stdout, stderr: '' }));
      await assert.rejects(store.create(), /key helper|P-256/);
    }
    const helper = fakeSecureEnclaveHelper();
    const store = new SecureEnclaveKeyStore(path.join(tempDir(), 'se.json'), async (command, args, options) =>
      args[0] === 'sign' ? { ok: true, code: 0, stdout: '{"signature":"c2hvcnQ"}', stderr: '' } : helper.runner(command, args, options),
    );
    const key = await store.create();
    await assert.rejects(key.sign(PAYLOAD), /not r\|\|s/);
  });
});

describe('the TPM store (PowerShell and CNG)', () => {
  it('turns a CNG EccPublicBlob into the P-256 point the collector takes, and refuses other blobs', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    assert.equal(eccPublicBlobToPoint(eccPublicBlob(publicKey)), encodeP256PublicKey(publicKey));
    const wrongMagic = Buffer.from(eccPublicBlob(publicKey), 'base64');
    wrongMagic.writeUInt32LE(0x31534345 + 1, 0); // 'ECS2'... a P-256 private blob or another curve
    assert.throws(() => eccPublicBlobToPoint(wrongMagic.toString('base64')), /not a P-256 ECDSA public key/);
    assert.throws(() => eccPublicBlobToPoint('AAAA'), /not a P-256 ECDSA public key/);
  });

  it('scripts ask the Platform Crypto Provider for a non-exportable key, machine-wide for the service', () => {
    const machine = tpmScript('create', true);
    assert.ok(machine.includes(`CngProvider('${PLATFORM_PROVIDER}')`));
    assert.ok(machine.includes('CngExportPolicies]::None'));
    assert.ok(machine.includes('CngKeyCreationOptions]::MachineKey'));
    assert.ok(!tpmScript('create', false).includes('MachineKey'));
    assert.ok(tpmScript('sign', true).includes('CngKeyOpenOptions]::MachineKey'));
  });

  it('creates, finds again and signs through PowerShell; no TPM means the software fallback', async () => {
    const tpm = fakeTpm();
    const store = new TpmKeyStore(tpm.runner, true);
    assert.equal(await store.unavailable(), null);
    assert.equal(await store.load(), null, 'no key by that name yet');
    const opened = await openDeviceKey({ software: software(), hardware: store }, null);
    assert.equal(opened.key.kind, 'tpm');
    assert.equal(verifyPayload(opened.key.publicKey, PAYLOAD, await opened.key.sign(PAYLOAD)), true);
    assert.equal((await store.load())?.publicKey, opened.key.publicKey);
    assert.ok(tpm.scripts.every((s) => s.startsWith("$ErrorActionPreference = 'Stop'")));

    const none = await openDeviceKey({ software: software(), hardware: new TpmKeyStore(fakeTpm({ present: false }).runner) }, null);
    assert.equal(none.key.kind, 'software');
    assert.match(none.note ?? '', /no usable TPM \(TPM probe failed: .*NTE_NOT_SUPPORTED\)\); using a software key/);
  });
});
