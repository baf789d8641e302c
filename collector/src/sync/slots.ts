import { conflict, type AppError } from '../errors.js';
import type { SyncRun } from '../domain/sync-run.js';

/**
 * How many runs of each trigger one collector process runs at once. Scheduled and manual runs
 * have slots of their own: manual runs (admin API, devtrustctl, console) used to count against
 * the scheduled bound while ignoring it themselves, so a few "Sync now" clicks on slow or
 * endless vendors stopped every scheduled sync until someone cancelled them. Now a manual run
 * never delays a scheduled one, and a manual run beyond its bound is refused (409, saying what
 * runs) instead of piling up against vendors that do not answer. Uploads read the admin's own
 * file, not a vendor, and take no slot: each is one admin request that ends with its file.
 */
export const DEFAULT_SLOTS = { schedule: 2, manual: 4 } as const;

export type SlotTrigger = keyof typeof DEFAULT_SLOTS;

/** A run this process holds or is starting: what the slots count and what a refusal names. */
export interface SlotHolder {
  trigger: SyncRun['trigger'];
  name: string;
}

/** The names of the runs of `trigger` among `holders` (a slot's occupants). */
export function occupants(holders: Iterable<SlotHolder>, trigger: SlotTrigger): string[] {
  return [...holders].filter((h) => h.trigger === trigger).map((h) => h.name);
}

/** The refusal of a manual run when every manual slot is taken. */
export function manualSlotsFull(running: string[]): AppError {
  return conflict(
    'SYNC_SLOTS_FULL',
    `${running.length} manual syncs are already running in this collector (${running.join(', ')}); ` +
      'wait for one to end or cancel one, then start this sync again',
  );
}
