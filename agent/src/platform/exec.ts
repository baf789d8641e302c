import { createRunner, type CommandRunner as CollectRunner } from '../collect/exec.js';
import { defaultAllowlist } from '../collect/commands.js';

/**
 * Config and key code's view of the one allowlisted runner (collect/exec.ts): the same
 * allowlist, absolute paths, no shell, timeouts and output cap, with a result that
 * throws on "could not run" (callers there have no reason to report, only to fail).
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

let shared: CollectRunner | null = null;

/** The real runner. Resolves with the exit code (non-zero is not an error here: parsers decide). */
export const runAllowed: CommandRunner = async (command, args, options = {}) => {
  shared ??= createRunner({ allowlist: defaultAllowlist(process.platform) });
  const result = await shared(command, args, options);
  if (result.ok) return { code: result.code, stdout: result.stdout, stderr: result.stderr };
  const partial = result.stdout !== undefined ? { code: -1, stdout: result.stdout, stderr: result.stderr ?? '' } : undefined;
  throw new CommandError(
    command,
    result.kind === 'not-allowed' || result.kind === 'not-installed' ? `not available on ${process.platform}` : result.reason,
    partial,
  );
};
