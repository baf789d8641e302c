import { execFileSync, fork, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { constants as osConstants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { statCpuMs } from './cpu.js';
import { sleep } from './timing.js';
import { openFileLimit as collectorOpenFileLimit } from '@devtrust/collector/limits/open-files';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Resident set size now and its high-water mark, in kB, from /proc (Linux). Null elsewhere or once gone. */
export function memoryOf(pid: number): { rssKb: number; hwmKb: number } | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssKb: field('VmRSS'), hwmKb: field('VmHWM') };
}

/**
 * CPU time (user + system, ms) a process has used, all threads and its main thread alone
 * (/proc, Linux; null elsewhere or once gone). Unlike a CPU profile's wall-clock samples, it
 * does not grow when other processes take the cores.
 */
export function cpuOf(pid: number): { totalMs: number; mainMs: number } | null {
  const ms = (file: string): number => {
    const { user, system } = statCpuMs(readFileSync(file, 'utf8'));
    return user + system;
  };
  try {
    return { totalMs: ms(`/proc/${pid}/stat`), mainMs: ms(`/proc/${pid}/task/${pid}/stat`) };
  } catch {
    return null;
  }
}

/** Samples a process's RSS every `intervalMs` and keeps the peak (VmHWM catches spikes between samples). */
export class RssSampler {
  peakRssKb = 0;
  private readonly timer: NodeJS.Timeout;
  constructor(
    private readonly pid: number,
    intervalMs = 100,
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
    this.sample();
  }

  sample(): void {
    const memory = memoryOf(this.pid);
    if (memory) this.peakRssKb = Math.max(this.peakRssKb, memory.rssKb, memory.hwmKb);
  }

  stop(): number {
    this.sample();
    clearInterval(this.timer);
    return this.peakRssKb;
  }
}

/** The soft limit on open files this process (and its children) have, as the collector reads its own; NaN where unknown or unlimited. */
export function openFileLimit(): number {
  return collectorOpenFileLimit() ?? NaN;
}

// Children still alive when the bench exits (crash, Ctrl-C) are killed, never left behind.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});
// SIGHUP too (a closed terminal or SSH session): by default it ends Node without 'exit'
// handlers, and the bench's own PostgreSQL cluster (test/support/pg-cluster.ts) would stay.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    for (const child of live) child.kill('SIGKILL');
    process.exit(128 + osConstants.signals[signal]);
  });
}

/** Spawns a process the bench kills on exit if it is still running; resolves `exited` when it ends. */
export function spawnTracked(
  command: string,
  args: string[],
  options: SpawnOptions = {},
): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(command, args, { cwd: ROOT, stdio: 'ignore', ...options });
  live.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      live.delete(child);
      resolve(code);
    }),
  );
  return { child, exited };
}

interface Reply {
  type: 'reply';
  id: number;
  result?: unknown;
  error?: string;
}

/** The newest modification time of the files under `dir` ending in `suffix` (0 if none). */
export function newestMtime(dir: string, suffix: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full, suffix));
    else if (entry.name.endsWith(suffix)) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * Whether collector/dist and shared/dist are built from the current sources (`tsc -b --dry`
 * asks the compiler, which compares content, not file times): then collector children run the
 * compiled code, as `npm start` does (loading the TypeScript sources through tsx took seconds
 * of every restart the storm measures). Null when current, else why not.
 */
export function staleBuild(): string | null {
  try {
    const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
    const out = execFileSync(process.execPath, [tsc, '-b', '--dry', 'collector'], { cwd: ROOT, encoding: 'utf8' });
    const stale = /Project '([^']+)' is out of date|would build project '([^']+)'/i.exec(out);
    return stale ? `${path.relative(ROOT, path.dirname(stale[1] ?? stale[2] ?? ''))} needs a build` : null;
  } catch (error) {
    return `tsc -b --dry failed: ${(error as Error).message.slice(0, 80)}`;
  }
}

/** `--profile DIR`: collector children are profiled into DIR (see `profileChildren`). */
let profileDir: string | null = null;

/**
 * Makes every collector child started from now on write a V8 CPU profile into `dir` when it
 * exits, and a heap snapshot when sent SIGUSR2. A profiled child is stopped cleanly instead of
 * killed (a killed process writes no profile), except where the kill is the measurement (storm).
 */
export function profileChildren(dir: string): void {
  profileDir = path.resolve(dir);
}

/**
 * A bench child process (bench/children/*.ts) run on the TypeScript sources like the bench
 * itself, with an IPC channel: it says `{type: 'ready', ...}` once serving and answers
 * `call`s. It exits by itself if the bench goes away (IPC disconnect).
 */
export class BenchChild<Ready extends Record<string, unknown> = Record<string, unknown>> {
  ready!: Ready;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly output: string[] = [];
  private nextId = 1;
  private readonly calls = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  private constructor(
    readonly child: ChildProcess,
    private readonly profiled: boolean,
  ) {
    live.add(child);
    const keep = (chunk: Buffer): void => {
      this.output.push(chunk.toString('utf8'));
      if (this.output.length > 50) this.output.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        live.delete(child);
        for (const call of this.calls.values()) call.reject(new Error(`child exited (${signal ?? code}) during a call`));
        this.calls.clear();
        resolve({ code, signal });
      }),
    );
    child.on('message', (message: Reply) => {
      if (message?.type !== 'reply') return;
      const call = this.calls.get(message.id);
      if (!call) return;
      this.calls.delete(message.id);
      if (message.error !== undefined) call.reject(new Error(message.error));
      else call.resolve(message.result);
    });
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** The child's last output lines, for error messages. */
  tail(): string {
    return this.output.join('').trim().split('\n').slice(-8).join('\n');
  }

  static async start<R extends Record<string, unknown>>(
    script: string,
    options: {
      args?: string[];
      env?: Record<string, string>;
      readyTimeoutMs?: number;
      gc?: boolean;
      tsx?: boolean;
      /** false: the workspace packages it imports resolve to their compiled dist/ (as `npm start` runs them), not src/. */
      sources?: boolean;
      /** More Node options (tools only: figures run children as they ship). */
      nodeOptions?: string[];
    } = {},
  ): Promise<BenchChild<R>> {
    const profiled = profileDir !== null && script === 'collector.mjs';
    const child = fork(path.join(ROOT, 'bench/children', script), options.args ?? [], {
      cwd: ROOT,
      execArgv: [
        ...(options.gc === false ? [] : ['--expose-gc']),
        ...(options.tsx === false ? [] : ['--import', 'tsx']),
        ...(options.tsx === false || options.sources === false ? [] : ['--conditions=devtrust-src']),
        ...(profiled
          ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--diagnostic-dir=${profileDir}`, '--heapsnapshot-signal=SIGUSR2']
          : []),
        ...(options.nodeOptions ?? []),
      ],
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    const handle = new BenchChild<R>(child, profiled);
    const timeoutMs = options.readyTimeoutMs ?? 60_000;
    handle.ready = await new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${script} not ready after ${timeoutMs / 1000} s: ${handle.tail()}`)), timeoutMs);
      child.on('message', (message: { type?: string; error?: string }) => {
        if (message?.type === 'ready') {
          clearTimeout(timer);
          resolve(message as unknown as R);
        } else if (message?.type === 'failed') {
          clearTimeout(timer);
          reject(new Error(`${script} failed to start: ${message.error}`));
        }
      });
      void handle.exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`${script} exited (${signal ?? code}) before it was ready: ${handle.tail()}`));
      });
    }).catch(async (error: unknown) => {
      await handle.kill();
      throw error;
    });
    return handle;
  }

  /** Asks the child to do something; rejects after `timeoutMs`. */
  call<T = unknown>(cmd: string, args: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      if (!this.child.connected) return reject(new Error(`child is gone: ${this.tail()}`));
      const timer = setTimeout(() => {
        this.calls.delete(id);
        reject(new Error(`${cmd} got no answer in ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.calls.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send({ type: 'call', id, cmd, args });
    });
  }

  memory(): { rssKb: number; hwmKb: number } | null {
    return memoryOf(this.pid);
  }

  /** Runs a full GC in the child, then reads its RSS (kB). */
  async settledRssKb(): Promise<number> {
    await this.call('gc').catch(() => undefined);
    await sleep(300);
    return this.memory()?.rssKb ?? NaN;
  }

  /**
   * SIGKILL and wait for the exit. A profiled child is stopped cleanly instead, so it writes
   * its profile, unless `hard` (the kill is what is measured).
   */
  async kill(options: { hard?: boolean } = {}): Promise<void> {
    if (this.profiled && !options.hard) return this.stop();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Asks the child to stop cleanly; kills it if it has not exited within `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    if (this.child.connected) this.child.send({ type: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
