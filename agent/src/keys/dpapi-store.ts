import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { runOrThrow } from '../platform/command-error.js';
import { runAllowed, type CommandRunner } from '../platform/exec.js';
import { writePrivateFile, type KeyStore } from './key-store.js';

export type DpapiScope = 'LocalMachine' | 'CurrentUser';

/**
 * A PowerShell script that reads base64 on stdin and writes the DPAPI-(un)protected bytes
 * as base64. The secret travels on stdin only; the script itself is fixed text.
 */
export function dpapiScript(operation: 'Protect' | 'Unprotect', scope: DpapiScope): string {
  return [
    "$ErrorActionPreference = 'Stop'",
    'Add-Type -AssemblyName System.Security',
    '$data = [Convert]::FromBase64String([Console]::In.ReadToEnd().Trim())',
    // The entropy is not a secret: it only keeps other DPAPI users' blobs from being ours.
    "$entropy = [Text.Encoding]::UTF8.GetBytes('com.devtrust.agent/device-key')",
    `$out = [System.Security.Cryptography.ProtectedData]::${operation}($data, $entropy, [System.Security.Cryptography.DataProtectionScope]::${scope})`,
    '[Console]::Out.Write([Convert]::ToBase64String($out))',
  ].join('; ');
}

/** -EncodedCommand takes UTF-16LE base64, which no argument quoting can break. */
export function powershellArgs(script: string): string[] {
  return [
    '-NoProfile',
    '-NonInteractive',
    '-ExecutionPolicy',
    'Bypass',
    '-EncodedCommand',
    Buffer.from(script, 'utf16le').toString('base64'),
  ];
}

/** icacls line that leaves only SYSTEM and Administrators on the key's folder. */
export function restrictFolderArgs(folder: string): string[] {
  return [folder, '/inheritance:r', '/grant:r', '*S-1-5-18:(OI)(CI)F', '*S-1-5-32-544:(OI)(CI)F'];
}

/**
 * Windows, headless: the device key DPAPI-protected, stored as base64 in the data dir.
 * The service (SYSTEM) uses the LocalMachine scope, having no user profile to hold
 * CurrentUser secrets; LocalMachine blobs can be unprotected by any process on the
 * machine, so then the folder's ACL is cut down to SYSTEM and Administrators. A user
 * running the CLI gets the CurrentUser scope and keeps their own folder's ACL.
 */
export class DpapiKeyStore implements KeyStore {
  readonly kind = 'windows-dpapi';

  constructor(
    private readonly file: string,
    private readonly runner: CommandRunner = runAllowed,
    private readonly scope: DpapiScope = 'LocalMachine',
  ) {}

  private async transform(operation: 'Protect' | 'Unprotect', base64: string): Promise<string> {
    const result = await runOrThrow(this.runner, 'powershell', powershellArgs(dpapiScript(operation, this.scope)), {
      stdin: base64,
      timeoutMs: 20_000,
    });
    const out = result.stdout.trim();
    if (result.code !== 0 || !/^[A-Za-z0-9+/]+=*$/.test(out)) {
      throw new Error(`DPAPI ${operation.toLowerCase()} failed: ${result.stderr.trim().split(/\r?\n/)[0] ?? 'no output'}`);
    }
    return out;
  }

  async load(): Promise<string | null> {
    let blob: string;
    try {
      blob = (await readFile(this.file, 'utf8')).trim();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    if (blob === '') return null;
    return Buffer.from(await this.transform('Unprotect', blob), 'base64').toString('utf8');
  }

  async save(pem: string): Promise<void> {
    const blob = await this.transform('Protect', Buffer.from(pem, 'utf8').toString('base64'));
    await writePrivateFile(this.file, blob);
    if (this.scope !== 'LocalMachine') return;
    const acl = await runOrThrow(this.runner, 'icacls', restrictFolderArgs(path.dirname(this.file)));
    if (acl.code !== 0) throw new Error(`cannot restrict ${path.dirname(this.file)}: ${acl.stdout.trim() || acl.stderr.trim()}`);
  }

  async clear(): Promise<void> {
    await rm(this.file, { force: true });
  }
}
