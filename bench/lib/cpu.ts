import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseProcStat } from './proc-stat.js';

/** Clock ticks per second of /proc's CPU times (100 on every usual Linux). */
const TICKS_PER_S = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * The CPU time (ms, user and system apart) in the text of a /proc `stat` file: a process's
 * (`/proc/PID/stat`) or one thread's (`/proc/PID/task/TID/stat`).
 */
export function statCpuMs(stat: string): { user: number; system: number } {
  // Fields after the command name (which may hold spaces) in parentheses: utime is the 14th, stime the 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: (Number(fields[11]) * 1000) / TICKS_PER_S, system: (Number(fields[12]) * 1000) / TICKS_PER_S };
}

/**
 * CPU time (user + system, ms) a process has used so far, from /proc (Linux); null elsewhere
 * or once it is gone. Unlike latencies it hardly moves with what else runs on the machine, so
 * runs on a busy machine compare by it.
 */
export function cpuMsOf(pid: number): number | null {
  try {
    const { user, system } = statCpuMs(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return user + system;
  } catch {
    return null;
  }
}

/**
 * CPU time (ms, user and system apart) of a process's threads so far, by thread name: `main`
 * for the main thread, the others by their name without its trailing number (libuv's pool,
 * V8's helpers), summed. A thread that ends while it is read is left out.
 */
export function threadCpuMs(pid: number): Map<string, { user: number; system: number }> {
  const out = new Map<string, { user: number; system: number }>();
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
      const name = task === String(pid) ? 'main' : threadName(stat);
      const used = statCpuMs(stat);
      const sum = out.get(name) ?? { user: 0, system: 0 };
      sum.user += used.user;
      sum.system += used.system;
      out.set(name, sum);
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/**
 * Time a process's threads spent runnable but waiting for a CPU, and how many times they
 * were switched in, so far, by thread name as `threadCpuMs` names them
 * (/proc/PID/task/T/schedstat: ns on the CPU, ns waiting on a run queue, time slices). The
 * queue in front of the cores, which `/proc` CPU times do not show.
 */
export function runQueueWait(pid: number): Map<string, { waitMs: number; slices: number }> {
  const out = new Map<string, { waitMs: number; slices: number }>();
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      const [, waited, switchedIn] = readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
      const name = task === String(pid) ? 'main' : threadName(readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8'));
      const sum = out.get(name) ?? { waitMs: 0, slices: 0 };
      sum.waitMs += (waited ?? 0) / 1e6;
      sum.slices += switchedIn ?? 0;
      out.set(name, sum);
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/** A thread's name from its /proc stat line, without the number Node and libuv append. */
function threadName(stat: string): string {
  return stat
    .slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
    .replace(/\d+$/, '')
    .trim();
}

/** This process's CPU time so far (ms). */
export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** The machine's 1-minute load average, for reading a run's latencies. */
export function loadAverage(): number {
  return loadavg()[0] ?? 0;
}

/**
 * The whole machine's CPU time so far (ms, every core): busy (all but idle and I/O wait) and
 * in all, from /proc/stat; null elsewhere. Two readings give how busy the machine was between
 * them, whoever used it: whether a second collector had any CPU left to add.
 */
export function machineCpuMs(): { busy: number; total: number } | null {
  try {
    const ticks = parseProcStat(readFileSync('/proc/stat', 'utf8'));
    return ticks && { busy: (ticks.busy * 1000) / TICKS_PER_S, total: (ticks.total * 1000) / TICKS_PER_S };
  } catch {
    return null;
  }
}

/** The share (0–1) of the machine's CPU that was busy between two `machineCpuMs()` readings; null if either is. */
export function busyShare(from: ReturnType<typeof machineCpuMs>, to: ReturnType<typeof machineCpuMs>): number | null {
  if (!from || !to || to.total <= from.total) return null;
  return (to.busy - from.busy) / (to.total - from.total);
}
