import { readFile, readdir, realpath, stat } from 'node:fs/promises';
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

export const realFiles: FileAccess = {
  async readText(file) {
    try {
      const info = await stat(file);
      // sysfs files report size 4096 whatever they hold; anything else this big is not ours to read.
      if (info.size > MAX_FILE_BYTES) return { ok: false, kind: 'failed', reason: `${file} is larger than ${MAX_FILE_BYTES} bytes` };
      return { ok: true, value: await readFile(file, 'utf8') };
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
