import type { SafeStorageLike } from '@devtrust/agent/keys/safe-storage-store';
import type { CommandResult } from '@devtrust/agent/platform/command-error';
import type { ExecResult, RunOptions } from '@devtrust/agent/platform/exec';

export interface Call {
  command: string;
  args: readonly string[];
  stdin?: string;
}

/**
 * A stand-in for /usr/bin/security, powershell.exe and icacls.exe that behaves like them
 * for the few command lines the key stores build, and records every call.
 */
export function fakeOs() {
  const calls: Call[] = [];
  const keychain = new Map<string, string>();
  let failAdd = false;
  const runner = async (command: string, args: readonly string[], options: RunOptions = {}): Promise<ExecResult> => {
    calls.push({ command, args, ...(options.stdin !== undefined ? { stdin: options.stdin } : {}) });
    return { ok: true, ...answer(command, args, options.stdin ?? '') };
  };

  function answer(command: string, args: readonly string[], stdin: string): CommandResult {
    if (command === 'security') return security(args, stdin);
    if (command === 'powershell') return powershell(args, stdin);
    if (command === 'icacls')
      return { code: 0, stdout: 'processed file: x\r\nSuccessfully processed 1 files; Failed processing 0 files\r\n', stderr: '' };
    return { code: 127, stdout: '', stderr: `${command}: not faked` };
  }

  function option(args: readonly string[], name: string): string | undefined {
    const index = args.indexOf(name);
    return index >= 0 ? args[index + 1] : undefined;
  }

  function security(args: readonly string[], stdin: string): CommandResult {
    if (args[0] === '-i') {
      // One interactive line: add-generic-password -U -s S -a A -w SECRET [keychain]
      const words = stdin.trim().split(/ +/);
      if (words[0] !== 'add-generic-password' || failAdd)
        return { code: 0, stdout: 'security> ', stderr: 'security: SecKeychainItemCreateFromContent: failed' };
      keychain.set(`${option(words, '-s')}/${option(words, '-a')}`, option(words, '-w') ?? '');
      return { code: 0, stdout: 'security> security> ', stderr: '' };
    }
    const id = `${option(args, '-s')}/${option(args, '-a')}`;
    if (args[0] === 'find-generic-password') {
      const secret = keychain.get(id);
      if (secret === undefined)
        return {
          code: 44,
          stdout: '',
          stderr: 'security: SecKeychainSearchCopyNext: The specified item could not be found in the keychain.\n',
        };
      return { code: 0, stdout: `${secret}\n`, stderr: '' };
    }
    if (args[0] === 'delete-generic-password') {
      if (!keychain.delete(id)) return { code: 44, stdout: '', stderr: 'The specified item could not be found in the keychain.' };
      return { code: 0, stdout: 'password has been deleted.\n', stderr: '' };
    }
    return { code: 2, stdout: '', stderr: 'unknown command' };
  }

  function powershell(args: readonly string[], stdin: string): CommandResult {
    const script = Buffer.from(option(args, '-EncodedCommand') ?? '', 'base64').toString('utf16le');
    const data = Buffer.from(stdin.trim(), 'base64');
    // "Protection": a reversible marker, so tests can tell ciphertext from plaintext.
    if (script.includes('::Protect('))
      return { code: 0, stdout: Buffer.concat([Buffer.from('DPAPI:'), data.reverse()]).toString('base64'), stderr: '' };
    if (script.includes('::Unprotect(')) {
      if (!data.subarray(0, 6).equals(Buffer.from('DPAPI:')))
        return { code: 1, stdout: '', stderr: 'Exception calling "Unprotect": The data is invalid.\r\n' };
      return { code: 0, stdout: data.subarray(6).reverse().toString('base64'), stderr: '' };
    }
    return { code: 1, stdout: '', stderr: 'bad script' };
  }

  return {
    runner,
    calls,
    keychain,
    failNextAdds() {
      failAdd = true;
    },
  };
}

export const PEM = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg+test+key/=\n-----END PRIVATE KEY-----\n';

/** Like Electron's safeStorage: opaque bytes out, the string back only from the same "keystore". */
export function fakeSafeStorage(available = true): SafeStorageLike & { encrypted: number } {
  return {
    encrypted: 0,
    isEncryptionAvailable: () => available,
    encryptString(text) {
      this.encrypted++;
      return Buffer.concat([Buffer.from('v10'), Buffer.from(text, 'utf8').map((b) => b ^ 0x5a)]);
    },
    decryptString(blob) {
      if (!blob.subarray(0, 3).equals(Buffer.from('v10')))
        throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return Buffer.from(blob.subarray(3).map((b) => b ^ 0x5a)).toString('utf8');
    },
  };
}
