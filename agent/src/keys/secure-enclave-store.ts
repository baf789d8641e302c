import { readFile } from 'node:fs/promises';
import { canonicalJson } from '@devtrust/shared/crypto';
import { runOrThrow } from '../platform/command-error.js';
import { runAllowed, type CommandRunner } from '../platform/exec.js';
import type { DeviceKey, DeviceKeyStore } from './device-key.js';
import { writePrivateFile } from './key-store.js';

/** The helper's name in the allowlist (agent/native/macos-keyhelper: UNBUILT, see its README). */
export const SE_HELPER = 'devtrust-keyhelper';

const P256_POINT = /^[A-Za-z0-9_-]{87}$/;
const BASE64 = /^[A-Za-z0-9+/]+=*$/;

/** What `devtrust-keyhelper create` prints, and what the key file keeps. */
interface SecureEnclaveHandle {
  /** base64url of the 65-byte uncompressed P-256 point. */
  publicKey: string;
  /** base64 of CryptoKit's dataRepresentation: an encrypted blob only this Mac's Secure Enclave can use. */
  keyData: string;
}

/** Reads the helper's one JSON line; throws naming what is wrong. */
export function parseHelperOutput<T extends Record<string, string>>(stdout: string, fields: (keyof T)[]): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout.trim());
  } catch {
    throw new Error('the key helper did not answer JSON');
  }
  if (typeof parsed !== 'object' || parsed === null) throw new Error('the key helper did not answer a JSON object');
  for (const field of fields) {
    if (typeof (parsed as Record<string, unknown>)[field as string] !== 'string')
      throw new Error(`the key helper's answer has no ${String(field)}`);
  }
  return parsed as T;
}

/**
 * macOS: a P-256 key created in the Secure Enclave by a small signed Swift helper (CryptoKit
 * SecureEnclave.P256.Signing). The private key never leaves the enclave; the data directory
 * keeps only its handle (the enclave-encrypted dataRepresentation) and the public key.
 * Each signature runs the helper once: `sign` reads {keyData, data} on stdin and prints the
 * r||s signature. Untested here: no Secure Enclave on the build machine (docs/hardware-keys.md).
 */
export class SecureEnclaveKeyStore implements DeviceKeyStore {
  readonly kind = 'secure-enclave' as const;

  constructor(
    private readonly file: string,
    private readonly runner: CommandRunner = runAllowed,
  ) {}

  async unavailable(): Promise<string | null> {
    const result = await this.runner(SE_HELPER, ['probe'], { timeoutMs: 5_000 });
    if (!result.ok)
      return `the Secure Enclave helper cannot run (${result.kind === 'not-allowed' || result.kind === 'not-installed' ? 'not installed' : result.reason})`;
    if (result.code !== 0) return `the Secure Enclave helper says: ${result.stderr.trim().split('\n')[0] || `exit ${result.code}`}`;
    try {
      const answer = parseHelperOutput<{ secureEnclave: string }>(result.stdout, ['secureEnclave']);
      return answer.secureEnclave === 'available' ? null : `no Secure Enclave on this Mac (${answer.secureEnclave})`;
    } catch (error) {
      return (error as Error).message;
    }
  }

  async load(): Promise<DeviceKey | null> {
    let text: string;
    try {
      text = (await readFile(this.file, 'utf8')).trim();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    if (text === '') return null;
    return this.key(checkHandle(parseHelperOutput<SecureEnclaveHandle & Record<string, string>>(text, ['publicKey', 'keyData'])));
  }

  async create(): Promise<DeviceKey> {
    const result = await runOrThrow(this.runner, SE_HELPER, ['create'], { timeoutMs: 20_000 });
    if (result.code !== 0)
      throw new Error(`the Secure Enclave helper could not create a key: ${result.stderr.trim().split('\n')[0] ?? ''}`);
    const handle = checkHandle(parseHelperOutput<SecureEnclaveHandle & Record<string, string>>(result.stdout, ['publicKey', 'keyData']));
    await writePrivateFile(this.file, `${JSON.stringify({ publicKey: handle.publicKey, keyData: handle.keyData })}\n`);
    return this.key(handle);
  }

  private key(handle: SecureEnclaveHandle): DeviceKey {
    return {
      kind: this.kind,
      publicKey: handle.publicKey,
      sign: async (payload) => {
        const stdin = JSON.stringify({ keyData: handle.keyData, data: Buffer.from(canonicalJson(payload)).toString('base64') });
        const result = await runOrThrow(this.runner, SE_HELPER, ['sign'], { stdin, timeoutMs: 10_000 });
        if (result.code !== 0) throw new Error(`the Secure Enclave helper could not sign: ${result.stderr.trim().split('\n')[0] ?? ''}`);
        const { signature } = parseHelperOutput<{ signature: string }>(result.stdout, ['signature']);
        if (Buffer.from(signature, 'base64url').length !== 64)
          throw new Error('the Secure Enclave helper returned a signature that is not r||s');
        return signature;
      },
    };
  }
}

function checkHandle(handle: SecureEnclaveHandle): SecureEnclaveHandle {
  if (!P256_POINT.test(handle.publicKey) || Buffer.from(handle.publicKey, 'base64url')[0] !== 0x04)
    throw new Error('the Secure Enclave key handle holds no P-256 public key');
  if (!BASE64.test(handle.keyData)) throw new Error('the Secure Enclave key handle holds no key data');
  return handle;
}
