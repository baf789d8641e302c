import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { encodeP256PublicKey } from '@devtrust/shared/crypto';
import type { CommandRunner, ExecResult } from '@devtrust/agent/platform/exec';

/**
 * Software stand-ins for the hardware key helpers, speaking their documented protocols with a
 * P-256 key held in this process: they test the agent's side of each protocol (arguments,
 * stdin, parsing, signature form), never a Secure Enclave or a TPM (docs/hardware-keys.md).
 */
const done = (stdout: string, code = 0, stderr = ''): ExecResult => ({ ok: true, code, stdout, stderr });

/** `devtrust-keyhelper probe|create|sign` as agent/native/macos-keyhelper specifies it. */
export function fakeSecureEnclaveHelper(options: { secureEnclave?: string; installed?: boolean } = {}) {
  const calls: string[] = [];
  const runner: CommandRunner = async (command, args, run = {}) => {
    calls.push(`${command} ${args.join(' ')}`);
    if (command !== 'devtrust-keyhelper' || options.installed === false)
      return { ok: false, kind: 'not-installed', reason: `${command} is not installed` };
    switch (args[0]) {
      case 'probe':
        return done(JSON.stringify({ secureEnclave: options.secureEnclave ?? 'available' }));
      case 'create': {
        const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
        // Stands in for CryptoKit's dataRepresentation (which only the enclave can use).
        const keyData = privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
        return done(`${JSON.stringify({ publicKey: encodeP256PublicKey(publicKey), keyData })}\n`);
      }
      case 'sign': {
        const request = JSON.parse(run.stdin ?? '{}') as { keyData: string; data: string };
        const key = createPrivateKey({ key: Buffer.from(request.keyData, 'base64'), format: 'der', type: 'pkcs8' });
        const signature = sign('sha256', Buffer.from(request.data, 'base64'), { key, dsaEncoding: 'ieee-p1363' });
        return done(JSON.stringify({ signature: signature.toString('base64url') }));
      }
      default:
        return done('', 64, `unknown command ${args[0]}`);
    }
  };
  return { runner, calls };
}

/** A P-256 public key as CNG exports it: BCRYPT_ECCKEY_BLOB ('ECS1', 32, X, Y). */
export function eccPublicBlob(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' }) as { x: string; y: string };
  const header = Buffer.alloc(8);
  header.writeUInt32LE(0x31534345, 0);
  header.writeUInt32LE(32, 4);
  return Buffer.concat([header, Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]).toString('base64');
}

/** powershell.exe running the TPM scripts of keys/tpm-store.ts, against one key "in the TPM". */
export function fakeTpm(options: { present?: boolean } = {}) {
  let key: { privateKey: KeyObject; publicKey: KeyObject } | null = null;
  const scripts: string[] = [];
  const runner: CommandRunner = async (command, args, run = {}) => {
    if (command !== 'powershell') return { ok: false, kind: 'not-allowed', reason: `${command} is not allowed` };
    const script = Buffer.from(String(args[args.indexOf('-EncodedCommand') + 1]), 'base64').toString('utf16le');
    scripts.push(script);
    if (options.present === false)
      return done('', 1, 'Exception calling "Exists": "The requested operation is not supported." (NTE_NOT_SUPPORTED)');
    if (script.includes('SignData')) {
      if (!key) return done('', 1, 'Keyset does not exist');
      const signature = sign('sha256', Buffer.from((run.stdin ?? '').trim(), 'base64'), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
      return done(signature.toString('base64'));
    }
    if (script.includes('CngKey]::Create(')) {
      key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      return done(eccPublicBlob(key.publicKey));
    }
    if (script.includes('CngKey]::Open(')) return key ? done(eccPublicBlob(key.publicKey)) : done('', 1, 'Keyset does not exist');
    if (script.includes('CngKey]::Exists(')) return done('available');
    return done('', 1, 'unexpected script');
  };
  return { runner, scripts };
}
