import { spawn } from 'node:child_process';
import path from 'node:path';

/**
 * The one door through which config and key code runs OS commands (the collectors have
 * their own in collect/exec.ts). Only these programs, by absolute path, never through a
 * shell, always with a timeout and an output cap: a hostile PATH or an argument holding
 * shell syntax can do nothing here.
 */
export const ALLOWED_COMMANDS = ['plutil', 'security', 'reg', 'powershell', 'icacls', 'certutil'] as const;
export type AllowedCommand = (typeof ALLOWED_COMMANDS)[number];

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to the child's stdin: how secrets reach a command without showing in `ps`. */
  stdin?: string;
  timeoutMs?: number;
}

/** Runs an allowlisted command; tests pass a fake with the same shape. */
export type CommandRunner = (command: AllowedCommand, args: readonly string[], options?: RunOptions) => Promise<CommandResult>;

const MAX_OUTPUT_BYTES = 1024 * 1024;

/** Absolute path of an allowlisted command on this OS; null where it does not exist. */
export function commandPath(command: AllowedCommand, platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string | null {
  if (platform === 'darwin') {
    if (command === 'plutil') return '/usr/bin/plutil';
    if (command === 'security') return '/usr/bin/security';
    return null;
  }
  if (platform === 'win32') {
    const system32 = path.win32.join(env.SystemRoot ?? 'C:\\Windows', 'System32');
    if (command === 'reg') return path.win32.join(system32, 'reg.exe');
    if (command === 'icacls') return path.win32.join(system32, 'icacls.exe');
    if (command === 'certutil') return path.win32.join(system32, 'certutil.exe');
    if (command === 'powershell') return path.win32.join(system32, 'WindowsPowerShell', 'v1.0', 'powershell.exe');
    return null;
  }
  return null;
}

export class CommandError extends Error {
  constructor(
    readonly command: AllowedCommand,
    message: string,
    readonly result?: CommandResult,
  ) {
    super(`${command}: ${message}`);
    this.name = 'CommandError';
  }
}

/** The real runner. Resolves with the exit code (non-zero is not an error here: parsers decide). */
export const runAllowed: CommandRunner = (command, args, options = {}) => {
  const file = commandPath(command);
  if (!file) return Promise.reject(new CommandError(command, `not available on ${process.platform}`));
  return new Promise((resolve, reject) => {
    const child = spawn(file, [...args], { shell: false, windowsHide: true, timeout: options.timeoutMs ?? 10_000, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OUTPUT_BYTES) child.kill();
      else into.push(chunk);
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    child.on('error', (error) => reject(new CommandError(command, error.message)));
    child.on('close', (code, signal) => {
      const result = { code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
      if (signal) reject(new CommandError(command, `ended by ${signal} (timeout or output over ${MAX_OUTPUT_BYTES} bytes)`, result));
      else resolve(result);
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin ?? '');
  });
};
