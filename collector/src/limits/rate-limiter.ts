import { AppError } from '../errors.js';

/**
 * A sliding-window limiter keyed by a string (an address, an application, an address+kind).
 * In memory and per process: behind several collectors each node limits on its own, so the
 * configured rate is per node. Memory is bounded: at most `maxKeys` keys are tracked, the
 * least recently used forgotten first.
 */
export interface RateLimit {
  /** Events allowed per window. */
  limit: number;
  windowMs: number;
  /** Keys tracked at once (default 10,000). */
  maxKeys?: number;
}

export type Take = { ok: true } | { ok: false; retryAfterMs: number };

export class RateLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #maxKeys: number;
  /** key → timestamps of the events inside the window, oldest first. Map order is recency. */
  readonly #events = new Map<string, number[]>();

  constructor(options: RateLimit) {
    if (!(options.limit > 0) || !(options.windowMs > 0)) throw new Error('RateLimiter: limit and windowMs must be positive');
    this.#limit = options.limit;
    this.#windowMs = options.windowMs;
    this.#maxKeys = options.maxKeys ?? 10_000;
  }

  /** Counts one event for `key` if the window has room. */
  take(key: string, now = Date.now()): Take {
    const since = now - this.#windowMs;
    const events = (this.#events.get(key) ?? []).filter((at) => at > since);
    this.#events.delete(key);
    if (events.length >= this.#limit) {
      this.#events.set(key, events);
      return { ok: false, retryAfterMs: Math.max(1, events[0]! + this.#windowMs - now) };
    }
    events.push(now);
    this.#events.set(key, events);
    while (this.#events.size > this.#maxKeys) this.#events.delete(this.#events.keys().next().value!);
    return { ok: true };
  }

  /** Whether `key` has spent its window, without counting an event: the wait in ms, or null. */
  spent(key: string, now = Date.now()): number | null {
    const since = now - this.#windowMs;
    const events = (this.#events.get(key) ?? []).filter((at) => at > since);
    return events.length >= this.#limit ? Math.max(1, events[0]! + this.#windowMs - now) : null;
  }

  /** Like take(), but throws a 429 AppError naming what was limited and when to retry. */
  consume(key: string, what: string, now = Date.now()): void {
    const result = this.take(key, now);
    if (!result.ok) throw tooManyRequests(what, result.retryAfterMs);
  }
}

export class TooManyRequests extends AppError {
  readonly retryAfterSeconds: number;
  constructor(what: string, retryAfterMs: number) {
    const seconds = Math.ceil(retryAfterMs / 1000);
    super(429, 'RATE_LIMITED', `too many ${what}; retry in ${seconds} s`);
    this.retryAfterSeconds = seconds;
  }
}

export const tooManyRequests = (what: string, retryAfterMs: number): TooManyRequests => new TooManyRequests(what, retryAfterMs);
