import { spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { defaultAllowlist, type Allowlist, type CommandLocation } from './allowlist.js';
import { decodeOutput } from './decode.js';

/**
 * The one place the agent runs OS commands (kolide's `allowedcmd`, in TypeScript).
 * A caller (a probe, a managed-settings reader, a key store) names a command; only
 * names in the allowlist (allowlist.ts) run, always by absolute path, never through a
 * shell (so no argument is ever interpreted), with a timeout that kills the whole
 * process group and a cap on output. The runner never throws: every outcome,
 * including "not installed", is a value the caller can turn into a reason (or, with
 * runOrThrow in command-error.ts, into an error).
 */

export interface RunOptions {
  timeoutMs?: number;
  maxOutputBytes?: number;
  /** Written to the child's stdin: how a secret reaches a command without showing in `ps`. */
  stdin?: string;
  /**
   * The code page the command writes when it writes no byte-order mark (reg.exe and
   * sc.exe: the OEM code page). Without it, output is read as UTF-8 (see decode.ts).
   */
  codePage?: number;
}

export type ExecFailure = 'not-allowed' | 'not-installed' | 'timeout' | 'too-large' | 'failed';

/** A finished process (any exit code: the parser decides what it means), or why there is none. */
export type ExecResult =
  | { ok: true; code: number; stdout: string; stderr: string }
  | { ok: false; kind: ExecFailure; reason: string; stdout?: string; stderr?: string };

export type CommandRunner = (name: string, args: readonly string[], options?: RunOptions) => Promise<ExecResult>;

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

export interface RunnerConfig {
  allowlist: Allowlist;
  platform?: NodeJS.Platform;
  timeoutMs?: number;
  maxOutputBytes?: number;
  /** Lists a folder's entries; injectable so the versioned-folder rule is testable anywhere. */
  listDir?: (dir: string) => Promise<string[]>;
}

/** Picks the highest-versioned `<prefix><version>` folder; null when none matches. */
export function pickVersionedFolder(entries: readonly string[], prefix: string): string | null {
  const versionOf = (name: string): number[] => (name.slice(prefix.length).match(/\d+/g) ?? []).map(Number);
  const compare = (a: number[], b: number[]): number => {
    for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
    return 0;
  };
  const matching = entries.filter((name) => name.toLowerCase().startsWith(prefix.toLowerCase()));
  matching.sort((a, b) => compare(versionOf(b), versionOf(a)));
  return matching[0] ?? null;
}

async function resolveLocation(location: CommandLocation, config: RunnerConfig): Promise<string | null> {
  if (typeof location === 'string') return location;
  const join = (config.platform ?? process.platform) === 'win32' ? path.win32.join : path.posix.join;
  const entries = await (config.listDir ?? ((dir: string) => readdir(dir)))(location.parent).catch(() => [] as string[]);
  const folder = pickVersionedFolder(entries, location.folderPrefix);
  return folder === null ? null : join(location.parent, folder, location.file);
}

/** Kills the child and, on Unix, every process it started (it leads its own group). */
function killTree(pid: number | undefined, platform: NodeJS.Platform, fallback: () => void): void {
  if (pid !== undefined && platform !== 'win32') {
    try {
      process.kill(-pid, 'SIGKILL');
      return;
    } catch {
      // The group is already gone, or was never created: kill the child alone.
    }
  }
  fallback();
}

function commandEnv(platform: NodeJS.Platform): NodeJS.ProcessEnv {
  if (platform === 'win32') return process.env;
  // English messages whatever the user's locale, so parsers see the documented wording.
  const env: NodeJS.ProcessEnv = { ...process.env, LC_MESSAGES: 'C' };
  delete env.LC_ALL;
  return env;
}

export function createRunner(config: RunnerConfig): CommandRunner {
  const platform = config.platform ?? process.platform;
  return async (name, args, options = {}) => {
    const location = Object.hasOwn(config.allowlist, name) ? config.allowlist[name] : undefined;
    if (location === undefined) return { ok: false, kind: 'not-allowed', reason: `command "${name}" is not in the allowlist` };
    const file = await resolveLocation(location, config);
    if (file === null) return { ok: false, kind: 'not-installed', reason: `${name} is not installed` };
    // Absent vendor tools are the common case: say so without forking a process to find out.
    const absent = await stat(file).then(
      () => false,
      (error: NodeJS.ErrnoException) => error.code === 'ENOENT' || error.code === 'ENOTDIR',
    );
    if (absent) return { ok: false, kind: 'not-installed', reason: `${file} not found` };
    const timeoutMs = options.timeoutMs ?? config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const maxBytes = options.maxOutputBytes ?? config.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    return run(file, args, {
      platform,
      timeoutMs,
      maxBytes,
      ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
      ...(options.codePage !== undefined ? { codePage: options.codePage } : {}),
    });
  };
}

function run(
  file: string,
  args: readonly string[],
  limits: { platform: NodeJS.Platform; timeoutMs: number; maxBytes: number; stdin?: string; codePage?: number },
): Promise<ExecResult> {
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(file, [...args], {
        shell: false,
        windowsHide: true,
        detached: limits.platform !== 'win32',
        stdio: [limits.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        env: commandEnv(limits.platform),
      });
      if (limits.stdin !== undefined) {
        child.stdin?.on('error', () => undefined);
        child.stdin?.end(limits.stdin);
      }
    } catch (error) {
      resolve({ ok: false, kind: 'failed', reason: `could not start ${file}: ${(error as Error).message}` });
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let ended: ExecFailure | null = null;
    let settled = false;
    const text = (chunks: Buffer[]) => decodeOutput(Buffer.concat(chunks), limits.codePage);
    const finish = (result: ExecResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const stop = (why: ExecFailure) => {
      if (ended) return;
      ended = why;
      killTree(child.pid, limits.platform, () => child.kill('SIGKILL'));
    };
    const timer = setTimeout(() => stop('timeout'), limits.timeoutMs);
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) stop('too-large');
      else into.push(chunk);
    };
    child.stdout?.on('data', collect(out));
    child.stderr?.on('data', collect(err));
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') finish({ ok: false, kind: 'not-installed', reason: `${file} not found` });
      else if (error.code === 'EACCES') finish({ ok: false, kind: 'failed', reason: `permission denied running ${file}` });
      else finish({ ok: false, kind: 'failed', reason: `${file}: ${error.message}` });
    });
    const done = (code: number | null, signal: NodeJS.Signals | null) => {
      if (ended === 'timeout')
        finish({
          ok: false,
          kind: 'timeout',
          reason: `${file} did not finish within ${limits.timeoutMs} ms and was killed`,
          stdout: text(out),
          stderr: text(err),
        });
      else if (ended === 'too-large')
        finish({ ok: false, kind: 'too-large', reason: `${file} wrote more than ${limits.maxBytes} bytes and was killed` });
      else if (code === null)
        finish({ ok: false, kind: 'failed', reason: `${file} was ended by ${signal ?? 'a signal'}`, stdout: text(out), stderr: text(err) });
      else finish({ ok: true, code, stdout: text(out), stderr: text(err) });
    };
    child.on('close', done);
    // A grandchild that inherited our pipes can hold 'close' open after a kill; 'exit' is enough then.
    child.on('exit', (code, signal) => {
      if (ended) setTimeout(() => done(code, signal), 500).unref();
    });
  });
}

let shared: CommandRunner | null = null;

/** The real runner for this OS's allowlist, made on first use; tests pass a fake with the same shape instead. */
export const runAllowed: CommandRunner = (name, args, options) => {
  shared ??= createRunner({ allowlist: defaultAllowlist(process.platform) });
  return shared(name, args, options);
};
