import { spawn, type ChildProcess } from 'node:child_process';
import { BINS } from '../support/bin.js';
import { ENROLLMENT_KEY, OWNER_TOKEN } from '../support/credentials.js';

/**
 * The shipped collector binary (the compiled build) in its own process, as an operator
 * runs it: its log (pino JSON on stdout) is kept line by line, so a test can count what a
 * fault costs in log volume and read what the operator would read.
 */
export class CollectorProcess {
  readonly lines: string[] = [];
  url = '';
  private constructor(private readonly child: ChildProcess) {}

  static async start(env: Record<string, string>): Promise<CollectorProcess> {
    const child = spawn(process.execPath, [BINS['devtrust-collector']], {
      env: {
        PATH: process.env.PATH ?? '',
        DEVTRUST_HOST: '127.0.0.1',
        DEVTRUST_PORT: '0',
        DEVTRUST_BOOTSTRAP_TOKEN: OWNER_TOKEN,
        DEVTRUST_ENROLLMENT_KEY: ENROLLMENT_KEY,
        DEVTRUST_LOG_LEVEL: 'info',
        DEVTRUST_LIMIT_ATTESTATIONS_PER_ADDRESS: '0',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collector = new CollectorProcess(child);
    let partial = '';
    const take = (data: Buffer): void => {
      const parts = (partial + data.toString('utf8')).split('\n');
      partial = parts.pop() ?? '';
      collector.lines.push(...parts.filter((l) => l !== ''));
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the collector did not start:\n${collector.lines.join('\n')}`)), 30_000);
      const check = (): void => {
        const line = collector.lines.find((l) => l.startsWith('DevTrust collector listening on '));
        if (line) {
          clearTimeout(timer);
          collector.url = (/listening on (\S+)/.exec(line) as RegExpExecArray)[1] as string;
          resolve();
        }
      };
      child.stdout?.on('data', check);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the collector exited (${code}):\n${collector.lines.join('\n')}`));
      });
    });
    return collector;
  }

  /** The collector's log entries (JSON lines) from index `from` on. */
  entries(from = 0): { level: number; msg: string; db?: Record<string, unknown>; [k: string]: unknown }[] {
    return this.lines.slice(from).flatMap((line) => {
      try {
        return [JSON.parse(line)];
      } catch {
        return [];
      }
    });
  }

  async readyz(): Promise<{ status: number; body: any }> {
    try {
      const response = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(8_000) });
      return { status: response.status, body: await response.json() };
    } catch (error) {
      return { status: 0, body: { error: (error as Error).message } };
    }
  }

  async healthz(): Promise<number> {
    const response = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(8_000) });
    return response.status;
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** `kill -9`: no shutdown hook runs, whatever the collector was in the middle of. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it holds or the deadline passes; returns whether it held. */
export async function pollUntil(check: () => boolean | Promise<boolean>, deadlineMs: number, everyMs = 100): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await sleep(everyMs);
  }
}
