import { runOrThrow } from '../platform/command-error.js';
import { runAllowed, type CommandRunner } from '../platform/exec.js';
import { AGENT_BUNDLE_ID } from '../config/managed/types.js';
import type { KeyStore } from './key-store.js';

export const KEYCHAIN_SERVICE = AGENT_BUNDLE_ID;
export const KEYCHAIN_ACCOUNT = 'device-key';
/** The headless agent runs as root (LaunchDaemon): its key belongs in the System keychain. */
export const SYSTEM_KEYCHAIN = '/Library/Keychains/System.keychain';

/** `security find-generic-password` exits 44 when no such item exists. */
const ITEM_NOT_FOUND = 44;

/**
 * The device key as a generic password in the macOS Keychain, through /usr/bin/security.
 * The secret never goes on a command line (other users could read it in `ps`): saving
 * feeds `security -i` the command on stdin, base64 so no quoting can break it.
 */
export class KeychainKeyStore implements KeyStore {
  readonly kind = 'macos-keychain';

  constructor(
    private readonly runner: CommandRunner = runAllowed,
    /** null: the user's default (login) keychain. */
    private readonly keychain: string | null = null,
  ) {}

  private get target(): string[] {
    return this.keychain ? [this.keychain] : [];
  }

  /** The interactive line `security -i` reads: add or update (-U) the item. */
  addCommandLine(pem: string): string {
    const secret = Buffer.from(pem, 'utf8').toString('base64');
    // security -i splits its line on spaces; the keychain paths we use have none.
    const keychain = this.keychain ? ` ${this.keychain.replace(/\s/g, '')}` : '';
    return `add-generic-password -U -s ${KEYCHAIN_SERVICE} -a ${KEYCHAIN_ACCOUNT} -w ${secret}${keychain}\n`;
  }

  async load(): Promise<string | null> {
    const result = await runOrThrow(this.runner, 'security', [
      'find-generic-password',
      '-s',
      KEYCHAIN_SERVICE,
      '-a',
      KEYCHAIN_ACCOUNT,
      '-w',
      ...this.target,
    ]);
    if (result.code === ITEM_NOT_FOUND) return null;
    if (result.code !== 0) throw new Error(`cannot read the device key from the Keychain: ${result.stderr.trim()}`);
    const secret = result.stdout.trim();
    if (!/^[A-Za-z0-9+/]+=*$/.test(secret)) throw new Error('the Keychain item holds something that is not a DevTrust device key');
    return Buffer.from(secret, 'base64').toString('utf8');
  }

  async save(pem: string): Promise<void> {
    const result = await runOrThrow(this.runner, 'security', ['-i'], { stdin: this.addCommandLine(pem) });
    // `security -i` exits 0 even when its command failed: read back to be sure.
    if (result.code !== 0 || (await this.load()) !== pem) {
      throw new Error(`cannot store the device key in the Keychain: ${result.stderr.trim() || 'the item did not read back'}`);
    }
  }

  async clear(): Promise<void> {
    const result = await runOrThrow(this.runner, 'security', [
      'delete-generic-password',
      '-s',
      KEYCHAIN_SERVICE,
      '-a',
      KEYCHAIN_ACCOUNT,
      ...this.target,
    ]);
    if (result.code !== 0 && result.code !== ITEM_NOT_FOUND)
      throw new Error(`cannot delete the device key from the Keychain: ${result.stderr.trim()}`);
  }
}
