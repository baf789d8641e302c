import { MAX_ANSWER_BYTES } from './kit/answer-cap.js';

/**
 * Bounds on what one vendor may make a run read; past one the run fails and the last good
 * inventory stays. Production uses the defaults; tests pass smaller ones (an engine option)
 * so a loopback vendor need not send hundreds of MB to cross them.
 */
export interface SyncLimits {
  /** Bytes of one vendor answer (kit/answer-cap.ts). */
  maxAnswerBytes: number;
}

export const DEFAULT_SYNC_LIMITS: SyncLimits = { maxAnswerBytes: MAX_ANSWER_BYTES };
