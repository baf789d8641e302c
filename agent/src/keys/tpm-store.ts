import { canonicalJson } from '@devtrust/shared/crypto';
import { runOrThrow } from '../platform/command-error.js';
import { runAllowed, type CommandRunner } from '../platform/exec.js';
import type { DeviceKey, DeviceKeyStore } from './device-key.js';
import { powershellArgs } from './dpapi-store.js';

/** Windows' TPM-backed key storage provider (NCrypt's MS_PLATFORM_CRYPTO_PROVIDER). */
export const PLATFORM_PROVIDER = 'Microsoft Platform Crypto Provider';
/** The CNG key's name in that provider. */
export const TPM_KEY_NAME = 'DevTrust Device Key';
/** BCRYPT_ECDSA_PUBLIC_P256_MAGIC ('ECS1'), the first field of a P-256 EccPublicBlob. */
const ECDSA_PUBLIC_P256_MAGIC = 0x31534345;

export type TpmOperation = 'probe' | 'create' | 'public' | 'sign';

/**
 * The PowerShell (Windows PowerShell 5.1, .NET Framework CNG classes) for one operation on
 * the TPM key. Data to sign arrives base64 on stdin; every answer is base64 on stdout. A
 * machine key (the SYSTEM service) lives in the machine's store; a user's in their own.
 * Fixed text apart from the scope: nothing the collector or a user says reaches the script.
 */
export function tpmScript(operation: TpmOperation, machine: boolean): string {
  const ns = 'System.Security.Cryptography';
  const open = `[${ns}.CngKey]::Open('${TPM_KEY_NAME}', $provider, [${ns}.CngKeyOpenOptions]::${machine ? 'MachineKey' : 'None'})`;
  const exportPublic = `[Console]::Out.Write([Convert]::ToBase64String($key.Export([${ns}.CngKeyBlobFormat]::EccPublicBlob)))`;
  const body: Record<TpmOperation, string[]> = {
    // Opening the provider fails on a machine without a usable TPM 2.0.
    probe: [`$null = [${ns}.CngKey]::Exists('${TPM_KEY_NAME}', $provider)`, "[Console]::Out.Write('available')"],
    create: [
      `$p = New-Object ${ns}.CngKeyCreationParameters`,
      '$p.Provider = $provider',
      `$p.ExportPolicy = [${ns}.CngExportPolicies]::None`,
      `$p.KeyCreationOptions = [${ns}.CngKeyCreationOptions]::OverwriteExistingKey${machine ? ` -bor [${ns}.CngKeyCreationOptions]::MachineKey` : ''}`,
      `$key = [${ns}.CngKey]::Create([${ns}.CngAlgorithm]::ECDsaP256, '${TPM_KEY_NAME}', $p)`,
      exportPublic,
    ],
    public: [`$key = ${open}`, exportPublic],
    sign: [
      '$data = [Convert]::FromBase64String([Console]::In.ReadToEnd().Trim())',
      `$key = ${open}`,
      `$ecdsa = New-Object ${ns}.ECDsaCng($key)`,
      `$ecdsa.HashAlgorithm = [${ns}.CngAlgorithm]::Sha256`,
      // ECDsaCng signs in IEEE P1363 form (r||s), what the collector verifies.
      '[Console]::Out.Write([Convert]::ToBase64String($ecdsa.SignData($data)))',
    ],
  };
  return [
    "$ErrorActionPreference = 'Stop'",
    'Add-Type -AssemblyName System.Core',
    `$provider = New-Object ${ns}.CngProvider('${PLATFORM_PROVIDER}')`,
    ...body[operation],
  ].join('; ');
}

/** A P-256 EccPublicBlob (BCRYPT_ECCKEY_BLOB: magic, cbKey, X, Y; little-endian) as the uncompressed point, base64url. */
export function eccPublicBlobToPoint(base64: string): string {
  const blob = Buffer.from(base64, 'base64');
  if (blob.length !== 72 || blob.readUInt32LE(0) !== ECDSA_PUBLIC_P256_MAGIC || blob.readUInt32LE(4) !== 32)
    throw new Error('the TPM key is not a P-256 ECDSA public key');
  return Buffer.concat([Buffer.from([0x04]), blob.subarray(8)]).toString('base64url');
}

/**
 * Windows: a non-exportable P-256 key in the TPM through the Platform Crypto Provider. No
 * file holds anything: the key is found by name in the provider. Each operation starts
 * PowerShell once (about a second: reports are every 15 minutes, a sign-in waits that long
 * once). Untested here: no TPM on the build machine (docs/hardware-keys.md).
 */
export class TpmKeyStore implements DeviceKeyStore {
  readonly kind = 'tpm' as const;

  constructor(
    private readonly runner: CommandRunner = runAllowed,
    /** The SYSTEM service keeps a machine key; a user's CLI its own. */
    private readonly machine = true,
  ) {}

  private async run(operation: TpmOperation, stdin?: string): Promise<string> {
    const result = await runOrThrow(this.runner, 'powershell', powershellArgs(tpmScript(operation, this.machine)), {
      timeoutMs: 30_000,
      ...(stdin !== undefined ? { stdin } : {}),
    });
    const out = result.stdout.trim();
    if (result.code !== 0 || out === '')
      throw new Error(`TPM ${operation} failed: ${result.stderr.trim().split(/\r?\n/)[0] || `exit ${result.code}`}`);
    return out;
  }

  async unavailable(): Promise<string | null> {
    try {
      return (await this.run('probe')) === 'available' ? null : 'the TPM provider gave an unexpected answer';
    } catch (error) {
      return `no usable TPM (${(error as Error).message})`;
    }
  }

  async load(): Promise<DeviceKey | null> {
    let blob: string;
    try {
      blob = await this.run('public');
    } catch (error) {
      // NTE_BAD_KEYSET: no key by that name yet. Anything else is a real failure.
      if (/keyset does not exist|NTE_BAD_KEYSET|0x80090016/i.test((error as Error).message)) return null;
      throw error;
    }
    return this.key(eccPublicBlobToPoint(blob));
  }

  async create(): Promise<DeviceKey> {
    return this.key(eccPublicBlobToPoint(await this.run('create')));
  }

  private key(publicKey: string): DeviceKey {
    return {
      kind: this.kind,
      publicKey,
      sign: async (payload) => {
        const signature = Buffer.from(await this.run('sign', Buffer.from(canonicalJson(payload)).toString('base64')), 'base64');
        if (signature.length !== 64) throw new Error('the TPM returned a signature that is not r||s');
        return signature.toString('base64url');
      },
    };
  }
}
