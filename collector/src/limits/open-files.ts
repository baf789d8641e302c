import { readFileSync } from 'node:fs';
import type { ConnectionLimits } from '../config/config.js';

/** Descriptors kept for everything but agents: the database, logs, HTTP clients, the console. */
export const FD_HEADROOM = 256;

/** This process's soft limit on open files (`ulimit -n`), from /proc on Linux; null where unknown or unlimited. */
export function openFileLimit(limits = '/proc/self/limits'): number | null {
  try {
    const line = readFileSync(limits, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    return soft === undefined || soft === 'unlimited' || !/^\d+$/.test(soft) ? null : Number(soft);
  } catch {
    return null;
  }
}

/**
 * The agent socket cap this process can keep: at most its open-file limit less FD_HEADROOM.
 * Past the limit the kernel refuses new sockets of every kind, `/healthz` and the database's
 * included, so agents past it are better refused with 503 at the upgrade (they retry later).
 * `lowered` says the cap was cut to fit, for a warning at start.
 */
export function capToOpenFiles(limits: ConnectionLimits, openFiles: number | null): { limits: ConnectionLimits; lowered: number | null } {
  if (openFiles === null) return { limits, lowered: null };
  const room = Math.max(1, openFiles - FD_HEADROOM);
  if (limits.total !== null && limits.total <= room) return { limits, lowered: null };
  return { limits: { ...limits, total: room }, lowered: room };
}
