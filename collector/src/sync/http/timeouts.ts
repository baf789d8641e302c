import { z } from 'zod';
import { VendorError } from './vendor-error.js';

/**
 * How long a vendor may take, per kind of call. A vendor that accepts the connection and
 * never answers (or sends headers and stalls) must not hold an admin's "Test
 * Configuration" for minutes: each request has a bound to start answering (`connect`:
 * connection, TLS and response headers) and a bound for the whole answer (`response`:
 * headers and body). A test gives up at the first timeout; a sync retries it like any
 * other transient failure; a lookup sits in a sign-in and is bounded tighter still.
 */
export type CallType = 'test' | 'sync' | 'lookup';

export interface CallTimeouts {
  connectMs: number;
  responseMs: number;
  /** Whether a timed-out request is tried again (the client's retry policy). */
  retry: boolean;
}

export const DEFAULT_TIMEOUTS: Record<CallType, { connectSeconds: number; responseSeconds: number }> = {
  test: { connectSeconds: 10, responseSeconds: 10 },
  sync: { connectSeconds: 15, responseSeconds: 60 },
  lookup: { connectSeconds: 5, responseSeconds: 5 },
};

const seconds = z.number().int().min(1).max(600);
const bounds = z.strictObject({ connectSeconds: seconds.optional(), responseSeconds: seconds.optional() });

/** `config.timeouts` of every vendor integration: per call type, in seconds; absent ones take the defaults. */
export const timeoutsSchema = z.strictObject({ test: bounds.optional(), sync: bounds.optional() });
export type TimeoutsConfig = z.infer<typeof timeoutsSchema>;

export function callTimeouts(config: Record<string, unknown>, call: CallType): CallTimeouts {
  const parsed = timeoutsSchema.safeParse(config.timeouts ?? {});
  const configured = call === 'lookup' || !parsed.success ? undefined : parsed.data[call];
  const connect = configured?.connectSeconds ?? DEFAULT_TIMEOUTS[call].connectSeconds;
  const response = configured?.responseSeconds ?? DEFAULT_TIMEOUTS[call].responseSeconds;
  return { connectMs: Math.min(connect, response) * 1000, responseMs: response * 1000, retry: call !== 'test' };
}

function timeoutError(message: string, retry: boolean): VendorError {
  return new VendorError('VENDOR_TIMEOUT', message, { retryable: retry });
}

/**
 * Wraps fetch with the bounds: the answer must start within `connectMs` and be complete
 * within `responseMs`. The body is read here, within the bound, so a vendor that stalls
 * mid-body fails the request instead of hanging the reader.
 */
export function withTimeouts(inner: typeof fetch, limits: CallTimeouts, vendor: string): typeof fetch {
  return async (input, init = {}) => {
    const controller = new AbortController();
    let stage: 'answer' | 'body' = 'answer';
    const connectTimer = setTimeout(() => controller.abort(), limits.connectMs);
    const responseTimer = setTimeout(() => controller.abort(), limits.responseMs);
    const outer = init.signal ?? null;
    const signal = outer ? AbortSignal.any([outer, controller.signal]) : controller.signal;
    try {
      const response = await inner(input, { ...init, signal });
      clearTimeout(connectTimer);
      stage = 'body';
      const body = await response.arrayBuffer();
      const empty = response.status === 204 || response.status === 205 || response.status === 304;
      return new Response(empty ? null : body, { status: response.status, statusText: response.statusText, headers: response.headers });
    } catch (error) {
      if (controller.signal.aborted && !outer?.aborted) {
        const elapsed = stage === 'answer' ? Math.min(limits.connectMs, limits.responseMs) : limits.responseMs;
        throw timeoutError(
          stage === 'answer'
            ? `${vendor} did not answer in ${elapsed / 1000} s`
            : `${vendor} started answering but did not finish in ${elapsed / 1000} s`,
          limits.retry,
        );
      }
      throw error;
    } finally {
      clearTimeout(connectTimer);
      clearTimeout(responseTimer);
    }
  };
}
