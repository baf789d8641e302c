import { open, readdir, realpath, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { CommandRunner, ExecResult, RunOptions } from '../platform/exec.js';

export type CollectPlatform = 'windows' | 'macos' | 'linux';

/** A file read's outcome; like a command's, a value and never a throw. */
export type FileResult<T> = { ok: true; value: T } | { ok: false; kind: 'missing' | 'denied' | 'failed'; reason: string };

/** Reading files: the real filesystem, or a fixture map in tests. */
export interface FileAccess {
  readText(file: string): Promise<FileResult<string>>;
  listDir(dir: string): Promise<FileResult<string[]>>;
  exists(file: string): Promise<boolean>;
  realpath(file: string): Promise<FileResult<string>>;
}

/** Everything a probe may touch: commands (through the allowlist), files, the OS hostname. */
export interface CollectHost extends FileAccess {
  platform: CollectPlatform;
  run(name: string, args: readonly string[], options?: RunOptions): Promise<ExecResult>;
  osHostname(): string;
}

const MAX_FILE_BYTES = 1024 * 1024;

function fileFailure(file: string, error: unknown): FileResult<never> {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, kind: 'missing', reason: `${file} does not exist` };
  if (code === 'EACCES' || code === 'EPERM') return { ok: false, kind: 'denied', reason: `${file} is readable by root only (needs root)` };
  return { ok: false, kind: 'failed', reason: `${file}: ${(error as Error).message}` };
}

/** The first read of a file whose size the kernel does not tell (procfs says 0): most of them hold a line. */
const UNKNOWN_SIZE_FIRST_READ = 256;

/**
 * A small file's text, read into a buffer its size (or, for procfs, a small one that grows).
 * Not `readFile`: for a file of unknown size it reads through a fresh 64 kB buffer, and the
 * EDR probe reads /proc/<pid>/comm for every process, so each report left 64 kB of garbage
 * per process (several MB) outside the V8 heap until the next collection, which an idle
 * agent does not have for minutes.
 */
async function readSmallText(file: string): Promise<string | null> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    // sysfs files report size 4096 whatever they hold; anything else this big is not ours to read.
    if (size > MAX_FILE_BYTES) return null;
    let buffer = Buffer.allocUnsafe(size > 0 ? size + 1 : UNKNOWN_SIZE_FIRST_READ);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) return buffer.toString('utf8', 0, length);
      length += bytesRead;
      if (length > MAX_FILE_BYTES) return null;
      if (length === buffer.length) {
        const larger = Buffer.allocUnsafe(Math.min(buffer.length * 4, MAX_FILE_BYTES + 1));
        buffer.copy(larger, 0, 0, length);
        buffer = larger;
      }
    }
  } finally {
    await handle.close();
  }
}

export const realFiles: FileAccess = {
  async readText(file) {
    try {
      const value = await readSmallText(file);
      if (value === null) return { ok: false, kind: 'failed', reason: `${file} is larger than ${MAX_FILE_BYTES} bytes` };
      return { ok: true, value };
    } catch (error) {
      return fileFailure(file, error);
    }
  },
  async listDir(dir) {
    try {
      return { ok: true, value: await readdir(dir) };
    } catch (error) {
      return fileFailure(dir, error);
    }
  },
  async exists(file) {
    return stat(file).then(
      () => true,
      () => false,
    );
  },
  async realpath(file) {
    try {
      return { ok: true, value: await realpath(file) };
    } catch (error) {
      return fileFailure(file, error);
    }
  },
};

export interface HostOptions {
  platform: CollectPlatform;
  runner: CommandRunner;
  files?: FileAccess;
  osHostname?: () => string;
}

/**
 * A host for one collection pass. Commands are memoised, so probes that share one
 * command's output (Windows' single PowerShell inventory) run it once, even concurrently.
 */
export function createHost(options: HostOptions): CollectHost {
  const files = options.files ?? realFiles;
  const runs = new Map<string, Promise<ExecResult>>();
  return {
    platform: options.platform,
    run(name, args, runOptions) {
      const key = JSON.stringify([name, args]);
      let pending = runs.get(key);
      if (!pending) {
        pending = options
          .runner(name, args, runOptions)
          .catch((error: unknown) => ({ ok: false as const, kind: 'failed' as const, reason: String(error) }));
        runs.set(key, pending);
      }
      return pending;
    },
    readText: (file) => files.readText(file),
    listDir: (dir) => files.listDir(dir),
    exists: (file) => files.exists(file),
    realpath: (file) => files.realpath(file),
    osHostname: options.osHostname ?? hostname,
  };
}

/** A command's stdout when it ran and exited 0; otherwise the reason, worded for probeErrors. */
export function stdoutOf(result: ExecResult, what: string): { ok: true; value: string } | { ok: false; reason: string } {
  if (!result.ok) return { ok: false, reason: `${what}: ${result.reason}` };
  if (result.code !== 0) {
    const detail = (result.stderr.trim() || result.stdout.trim()).split(/\r?\n/)[0]?.slice(0, 160) ?? '';
    return { ok: false, reason: `${what} exited with code ${result.code}${detail ? `: ${detail}` : ''}` };
  }
  return { ok: true, value: result.stdout };
}
