import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
export { freePort } from '../support/ports.js';

/** A long-running real process (collector, npm start) whose output the test reads as it comes. */
export interface Spawned {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once `pattern` shows in stdout; fails (with the output) if the process exits first. */
  waitForOutput(pattern: RegExp, what: string, limitMs?: number): Promise<RegExpMatchArray>;
  /** The exit code once the process ends on its own; fails after limitMs. */
  waitForExit(limitMs?: number): Promise<number | null>;
  /** Sends the signal (to the whole process group when spawned as one) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function spawnProcess(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; group?: boolean; inheritEnv?: boolean } = {},
): Spawned {
  const child = spawn(command, args, {
    // inheritEnv false: only `env`, as a service manager starts a process (systemd passes no shell environment).
    env: options.inheritEnv === false ? { ...options.env } : { ...process.env, ...options.env },
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    // A group of its own, so stopping it also stops what it started (npm → node).
    detached: options.group === true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    waitForOutput: async (pattern, what, limitMs = 60_000) => {
      const deadline = Date.now() + limitMs;
      for (;;) {
        const match = stdout.match(pattern);
        if (match) return match;
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(`${what}: the process exited (${child.exitCode ?? child.signalCode})\nstdout: ${stdout}\nstderr: ${stderr}`);
        if (Date.now() > deadline) throw new Error(`${what}: not seen\nstdout: ${stdout}\nstderr: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    waitForExit: async (limitMs = 60_000) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`still running after ${limitMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`)), limitMs);
      });
      try {
        return await Promise.race([exited, late]);
      } finally {
        clearTimeout(timer);
      }
    },
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          if (options.group && child.pid) process.kill(-child.pid, signal);
          else child.kill(signal);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
        }
      }
      return exited;
    },
  };
}

/** Whether something already listens on 127.0.0.1:port. */
export async function portInUse(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(true) : reject(error)));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}
