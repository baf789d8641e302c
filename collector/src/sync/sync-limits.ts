import { MAX_ANSWER_BYTES } from './kit/answer-cap.js';

/**
 * Bounds on what one vendor may make a run read; past one the run fails and the last good
 * inventory stays. Production uses the defaults; tests pass smaller ones (an engine option)
 * so a loopback vendor need not send hundreds of MB to cross them.
 */
export interface SyncLimits {
  /** Bytes of one vendor answer (kit/answer-cap.ts). */
  maxAnswerBytes: number;
  /** Pages one run may read (stage-pages.ts). */
  maxPages: number;
  /** Devices one run may stage (stage-pages.ts). */
  maxDevices: number;
}

/**
 * No tenant of these vendors comes near 5,000,000 devices (the largest fleets are a few hundred
 * thousand), so a run listing more is a vendor whose pages never end: one staged 615,600 devices
 * (a 1.2 GB SQLite file) in ten minutes. Pages are bounded apart from devices, since pages can
 * be empty: 100,000 pages hold 5,000,000 devices at 50 a page, a quarter of the smallest
 * default page size (MobileIron's 200), so a real inventory read with the default page sizes
 * stays at least 4 times under it.
 */
export const MAX_FLEET_DEVICES = 5_000_000;
export const MAX_PAGES = 100_000;

export const DEFAULT_SYNC_LIMITS: SyncLimits = { maxAnswerBytes: MAX_ANSWER_BYTES, maxPages: MAX_PAGES, maxDevices: MAX_FLEET_DEVICES };
