import { z } from 'zod';
import { answerTooLarge, MAX_ANSWER_BYTES, readCapped } from './answer-cap.js';
import { unreachableMessage } from './network-fault.js';
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
 * mid-body fails the request instead of hanging the reader. The bounds are enforced by
 * racing timers, not only by aborting the request, so they hold even if an abort is lost.
 * Every body (success and error alike) is read up to `maxAnswerBytes` (answer-cap.ts): past
 * it the request is aborted and fails with VENDOR_ANSWER_TOO_LARGE, never retried.
 */
export function withTimeouts(
  inner: typeof fetch,
  limits: CallTimeouts,
  vendor: string,
  maxAnswerBytes: number = MAX_ANSWER_BYTES,
): typeof fetch {
  return async (input, init = {}) => {
    const controller = new AbortController();
    const outer = init.signal ?? null;
    let fail: (error: unknown) => void = () => undefined;
    const stop = new Promise<never>((_, reject) => (fail = reject));
    stop.catch(() => undefined);
    let stage: 'answer' | 'body' = 'answer';
    let timedOut: VendorError | null = null;
    const expire = (message: string) => {
      if (timedOut) return;
      timedOut = timeoutError(message, limits.retry);
      fail(timedOut);
      controller.abort(timedOut);
    };
    const answerMs = Math.min(limits.connectMs, limits.responseMs);
    const connectTimer = setTimeout(() => {
      if (stage === 'answer') expire(`${vendor} did not answer in ${answerMs / 1000} s`);
    }, answerMs);
    const responseTimer = setTimeout(
      () =>
        expire(
          stage === 'answer'
            ? `${vendor} did not answer in ${answerMs / 1000} s`
            : `${vendor} started answering but did not finish in ${limits.responseMs / 1000} s`,
        ),
      limits.responseMs,
    );
    // The caller's cancel (a cancelled sync, the client's own backstop) ends the request too.
    const forward = () => {
      const reason = outer?.reason ?? new DOMException('This operation was aborted', 'AbortError');
      fail(reason);
      controller.abort(reason);
    };
    if (outer?.aborted) forward();
    else outer?.addEventListener('abort', forward, { once: true });
    try {
      const response = await Promise.race([inner(input, { ...init, signal: controller.signal }), stop]);
      stage = 'body';
      clearTimeout(connectTimer);
      const tooLarge = () => {
        const url = new URL(String(input instanceof Request ? input.url : input));
        const error = answerTooLarge(vendor, init.method ?? (input instanceof Request ? input.method : 'GET'), url, maxAnswerBytes);
        controller.abort(error);
        return error;
      };
      const body = await Promise.race([readCapped(response, maxAnswerBytes, tooLarge), stop]);
      const empty = response.status === 204 || response.status === 205 || response.status === 304;
      return new Response(empty ? null : body, { status: response.status, statusText: response.statusText, headers: response.headers });
    } catch (error) {
      if (timedOut && !outer?.aborted) throw timedOut;
      // A test answers within seconds: a vendor it cannot reach (refused, reset) is reported at
      // once, as its timeouts are; a sync retries them (a vendor restarting refuses for seconds).
      if (!limits.retry && stage === 'answer' && !outer?.aborted && error instanceof TypeError) {
        throw new VendorError(
          'VENDOR_UNREACHABLE',
          unreachableMessage(vendor, new URL(String(input instanceof Request ? input.url : input)).host, error),
        );
      }
      throw error;
    } finally {
      clearTimeout(connectTimer);
      clearTimeout(responseTimer);
      outer?.removeEventListener('abort', forward);
    }
  };
}
