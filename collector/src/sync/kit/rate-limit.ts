/**
 * Wraps fetch so that a 429 whose vendor states the wait in its own header (Cisco's
 * X-RateLimit-Reset, CrowdStrike's X-RateLimit-RetryAfter) carries a standard
 * Retry-After, which the shared vendor client honours.
 */
export function withVendorRetryAfter(inner: typeof fetch, waitSeconds: (headers: Headers, now: number) => number | null): typeof fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    if (response.status !== 429 || response.headers.has('retry-after')) return response;
    const seconds = waitSeconds(response.headers, Date.now());
    if (seconds === null || !Number.isFinite(seconds)) return response;
    const headers = new Headers(response.headers);
    headers.set('retry-after', String(Math.max(0, Math.ceil(seconds))));
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  };
}
