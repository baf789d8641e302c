import type { CommandRunner, ExecResult, RunOptions } from './exec.js';

/** A command that ran to its exit, whatever the code: the caller's parser decides what it means. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  constructor(
    readonly command: string,
    message: string,
    readonly result?: CommandResult,
  ) {
    super(`${command}: ${message}`);
    this.name = 'CommandError';
  }
}

/**
 * For callers with nothing to report when a command could not run, only a reason to fail
 * (managed-settings readers, key stores): the exit, or a CommandError. A command this OS
 * does not have reads "not available on <platform>", whatever the runner's own wording.
 */
export function completed(command: string, result: ExecResult): CommandResult {
  if (result.ok) return { code: result.code, stdout: result.stdout, stderr: result.stderr };
  const partial = result.stdout !== undefined ? { code: -1, stdout: result.stdout, stderr: result.stderr ?? '' } : undefined;
  throw new CommandError(
    command,
    result.kind === 'not-allowed' || result.kind === 'not-installed' ? `not available on ${process.platform}` : result.reason,
    partial,
  );
}

/** Runs `command` through `runner` and returns its exit, or throws a CommandError (see completed). */
export async function runOrThrow(
  runner: CommandRunner,
  command: string,
  args: readonly string[],
  options?: RunOptions,
): Promise<CommandResult> {
  return completed(command, await runner(command, args, options));
}
