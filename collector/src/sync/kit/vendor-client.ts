import { setTimeout as sleep } from 'node:timers/promises';
import { Scrubber } from './scrub.js';
import { describeFault, faultCode, faultRetry, unreachableMessage } from './network-fault.js';
import { describeStatus, scrub, scrubError, VendorError } from './vendor-error.js';

export interface RetryPolicy {
  /** Attempts per request, first included. */
  attempts: number;
  /** First backoff delay; doubles each retry with full jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest Retry-After honoured; a longer one fails the request as rate-limited. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 300_000 };
/**
 * A backstop only: the sync engine bounds each request by its call type (test, sync,
 * lookup; see timeouts.ts, configurable per integration) well inside this.
 */
export const DEFAULT_TIMEOUT_MS = 600_000;

/**
 * Process-wide overrides for tests only: vendor test servers answer in milliseconds, so
 * production backoff and timeouts would only slow the suite down. They win over a
 * connector's own options; production code never sets them. Returns a restore function.
 */
let testOverrides: { retry?: Partial<RetryPolicy>; timeoutMs?: number } = {};
export function overrideVendorClientForTests(overrides: { retry?: Partial<RetryPolicy>; timeoutMs?: number }): () => void {
  const previous = testOverrides;
  testOverrides = overrides;
  return () => {
    testOverrides = previous;
  };
}

export interface VendorClientOptions {
  vendor: string;
  baseUrl: string;
  /** Per-request timeout. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Secret values to scrub from any message. */
  secrets?: readonly string[];
  /** Headers for authentication; called before each attempt (tokens may refresh). */
  auth?: (refresh: boolean) => Promise<Record<string, string>>;
  /** Per-status advice in messages, e.g. {401: 'check the client secret'}. */
  hints?: Record<number, string>;
  fetch?: typeof fetch;
}

export interface VendorRequest {
  method?: string;
  /** Path relative to baseUrl, or an absolute URL on the same host (next-page links). */
  path: string;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  body?: string | URLSearchParams;
  /** Skip the auth hook (the token request itself). */
  noAuth?: boolean;
}

export interface VendorResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

/** Parses Retry-After (delta-seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.ceil(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/**
 * The HTTP client every vendor connector uses: timeouts, retries with jittered backoff
 * for 5xx and network faults, Retry-After for 429, JSON parsing with a clear error for
 * garbage, token refresh on 401, and messages that never carry a credential.
 */
export class VendorClient {
  private readonly retry: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  /** The configured secrets, plus every credential header this client has sent. */
  private readonly scrubber: Scrubber;
  readonly baseUrl: URL;

  constructor(private readonly options: VendorClientOptions) {
    this.retry = { ...DEFAULT_RETRY, ...options.retry, ...testOverrides.retry };
    this.timeoutMs = testOverrides.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetchImpl = options.fetch ?? fetch;
    this.scrubber = new Scrubber(options.secrets ?? []);
    this.baseUrl = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
  }

  get vendor(): string {
    return this.options.vendor;
  }

  url(path: string, query?: VendorRequest['query']): URL {
    const url = /^https?:\/\//.test(path) ? new URL(path) : new URL(path.replace(/^\//, ''), this.baseUrl);
    if (url.origin !== this.baseUrl.origin) {
      throw new VendorError(
        'VENDOR_BAD_RESPONSE',
        `${this.vendor} pointed to another host (${url.host}); refusing to send credentials there`,
      );
    }
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    return url;
  }

  async json<T>(request: VendorRequest, signal: AbortSignal): Promise<VendorResponse<T>> {
    try {
      return await this.readJson<T>(request, signal);
    } catch (error) {
      throw scrubError(error, this.scrubber);
    }
  }

  private async readJson<T>(request: VendorRequest, signal: AbortSignal): Promise<VendorResponse<T>> {
    const response = await this.sendScrubbed(request, signal);
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw this.bodyError(error, signal);
    }
    try {
      return { status: response.status, headers: response.headers, body: (text === '' ? null : JSON.parse(text)) as T };
    } catch {
      throw new VendorError('VENDOR_BAD_RESPONSE', `${this.vendor} answered ${response.status} with something that is not JSON`, {
        status: response.status,
      });
    }
  }

  /** Sends with retries; resolves with a 2xx response whose body is unread. */
  async send(request: VendorRequest, signal: AbortSignal): Promise<Response> {
    try {
      return await this.sendScrubbed(request, signal);
    } catch (error) {
      throw scrubError(error, this.scrubber);
    }
  }

  /** Why reading a body failed: the run was cancelled, the vendor stalled, or the connection broke. */
  private bodyError(error: unknown, signal: AbortSignal): VendorError {
    if (error instanceof VendorError) return error;
    if (signal.aborted) return new VendorError('CANCELLED', 'the sync was cancelled');
    if ((error as Error).name === 'TimeoutError')
      return new VendorError('VENDOR_TIMEOUT', `${this.vendor} did not send its whole answer within ${formatDuration(this.timeoutMs)}`, {
        retryable: true,
      });
    return new VendorError('VENDOR_UNREACHABLE', `${this.vendor} broke off its answer: ${scrub(describeFault(error), this.scrubber)}`, {
      retryable: true,
    });
  }

  private async sendScrubbed(request: VendorRequest, signal: AbortSignal): Promise<Response> {
    const secrets = this.scrubber;
    let refreshAuth = false;
    let lastError: VendorError | null = null;
    for (let attempt = 1; attempt <= this.retry.attempts; attempt++) {
      if (signal.aborted) throw new VendorError('CANCELLED', 'the sync was cancelled');
      let response: Response;
      const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
      // Outside the retries below: a token request is a request of this client, retried on its
      // own; retrying it here again made 5 × 5 attempts of a vendor that refused connections.
      if (!request.noAuth && this.options.auth) Object.assign(headers, await this.options.auth(refreshAuth));
      this.rememberCredentials(headers);
      try {
        response = await this.fetchImpl(this.url(request.path, request.query), {
          method: request.method ?? 'GET',
          headers,
          body: request.body ?? null,
          redirect: 'error',
          signal: AbortSignal.any([signal, AbortSignal.timeout(this.timeoutMs)]),
        });
      } catch (error) {
        if (error instanceof VendorError && !error.retryable) throw error;
        if (signal.aborted) throw new VendorError('CANCELLED', 'the sync was cancelled');
        const timedOut = (error as Error).name === 'TimeoutError';
        // A name that does not exist or an untrusted certificate fails at once; a resolver timeout gets one more try.
        const retry = timedOut || error instanceof VendorError ? 'policy' : faultRetry(faultCode(error));
        lastError = timedOut
          ? new VendorError('VENDOR_TIMEOUT', `${this.vendor} did not answer within ${formatDuration(this.timeoutMs)}`, { retryable: true })
          : error instanceof VendorError
            ? error
            : new VendorError('VENDOR_UNREACHABLE', scrub(unreachableMessage(this.vendor, this.baseUrl.host, error), secrets), {
                retryable: retry !== 'none',
              });
        if (retry === 'none' || (retry === 'one-more' && attempt >= 2)) throw lastError;
        await this.backoff(attempt, null, signal);
        continue;
      }

      if (response.ok) return response;
      // Scrubbed before and after decoding: JSON un-escapes an escaped echo of a secret.
      const text = secrets.clean(await response.text().catch(() => ''));
      const vendorText = scrub(extractMessage(text), secrets).slice(0, 200);
      if (response.status === 401 && this.options.auth && !refreshAuth && !request.noAuth) {
        refreshAuth = true; // an expired token: fetch a new one and try once more
        continue;
      }
      if (response.status === 429) {
        const wait = parseRetryAfter(response.headers.get('retry-after'));
        lastError = new VendorError('VENDOR_RATE_LIMITED', describeStatus(this.vendor, 429, vendorText, 'rate limited'), {
          status: 429,
          retryable: true,
        });
        if (wait !== null && wait > this.retry.maxRetryAfterMs) throw lastError;
        await this.backoff(attempt, wait, signal);
        continue;
      }
      if (response.status >= 500) {
        lastError = new VendorError(
          'VENDOR_UNAVAILABLE',
          describeStatus(this.vendor, response.status, vendorText, 'the vendor API failed'),
          {
            status: response.status,
            retryable: true,
          },
        );
        // A 503 may say when to come back (Microsoft Graph does); a longer wait falls back to backoff.
        const wait = response.status === 503 ? parseRetryAfter(response.headers.get('retry-after')) : null;
        await this.backoff(attempt, wait !== null && wait <= this.retry.maxRetryAfterMs ? wait : null, signal);
        continue;
      }
      const code =
        response.status === 401
          ? 'VENDOR_AUTH_FAILED'
          : response.status === 403
            ? 'VENDOR_FORBIDDEN'
            : response.status === 404
              ? 'VENDOR_NOT_FOUND'
              : 'VENDOR_REQUEST_REJECTED';
      throw new VendorError(code, describeStatus(this.vendor, response.status, vendorText, this.options.hints?.[response.status]), {
        status: response.status,
      });
    }
    throw lastError ?? new VendorError('VENDOR_UNAVAILABLE', `${this.vendor} failed`);
  }

  /** Credential headers this client sent (tokens it fetched, Basic values) are never echoed back out. */
  private rememberCredentials(headers: Record<string, string>): void {
    for (const [name, value] of Object.entries(headers)) {
      if (name.toLowerCase() !== 'authorization') continue;
      const space = value.indexOf(' ');
      this.scrubber.add(value, space > 0 ? value.slice(space + 1) : null);
    }
  }

  private async backoff(attempt: number, retryAfterMs: number | null, signal: AbortSignal): Promise<void> {
    if (attempt >= this.retry.attempts) return;
    const exp = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    const delay = retryAfterMs ?? Math.random() * exp;
    try {
      await sleep(delay, undefined, { signal });
    } catch {
      throw new VendorError('CANCELLED', 'the sync was cancelled');
    }
  }
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${Math.round(ms / 1000)}s`;
}

/** Pulls a human message out of a vendor error body (JSON shapes differ per vendor). */
function extractMessage(text: string): string {
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    const candidates = [
      json.message,
      json.error_description,
      (json.error as { message?: unknown } | undefined)?.message,
      typeof json.error === 'string' ? json.error : undefined,
      (json.errors as { message?: unknown; description?: unknown }[] | undefined)?.[0]?.message,
      (json.errors as { description?: unknown }[] | undefined)?.[0]?.description,
      json.detail, // Django REST framework (Kandji)
      (json.messages as { localizedMessage?: unknown }[] | undefined)?.[0]?.localizedMessage, // MobileIron Core
    ];
    const found = candidates.find((c) => typeof c === 'string' && c !== '');
    return typeof found === 'string' ? found : '';
  } catch {
    return text.startsWith('<') ? '' : text;
  }
}
