import { readFile } from 'node:fs/promises';
import { UsageError } from './ctl-commands.js';

/** Why a file named on the command line could not be read, in words, not Node's errno text. */
const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied (check who may read it)',
  EPERM: 'permission denied (check who may read it)',
  EISDIR: 'it is a directory, not a file',
};

/** The one line for `file` that could not be read, or null for an error that is not about the file. */
export function unreadableFileMessage(file: string, error: unknown): string | null {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const reason = code === undefined ? undefined : REASONS[code];
  return reason === undefined ? null : `cannot read ${file}: ${reason}`;
}

/**
 * The bytes of a file named on the command line (an upload); one that cannot be read is a usage
 * error (exit 2) that names the file and why. Node's message for a directory names neither.
 */
export async function readCommandLineFile(file: string): Promise<Uint8Array<ArrayBuffer>> {
  try {
    return await readFile(file);
  } catch (error) {
    const message = unreadableFileMessage(file, error);
    throw message === null ? error : new UsageError(message);
  }
}
