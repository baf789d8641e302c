/**
 * What a failed connection to a vendor says, and whether trying again can help. A request
 * that never reached the vendor is retried with backoff only where the fault can heal in
 * seconds: five tries of a host name that does not exist took an admin's "Test
 * Configuration" 27 s to say "host not found".
 */

/** How many attempts a fault deserves: `none` fails at once, `one-more` one retry, `policy` the client's retry policy. */
export type FaultRetry = 'none' | 'one-more' | 'policy';

// Network error codes an admin can act on, in words.
const CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'the connection was reset',
  ENOTFOUND: 'host not found',
  EAI_NONAME: 'host not found',
  EAI_FAIL: 'host name lookup failed',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'the connection timed out',
  UND_ERR_SOCKET: 'the connection closed unexpectedly',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'its certificate is signed by an untrusted CA',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its certificate is signed by an untrusted CA',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its certificate is signed by an untrusted CA',
  CERT_HAS_EXPIRED: 'its certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its certificate is for another host name',
};

/**
 * A name the DNS says does not exist (NXDOMAIN: ENOTFOUND, EAI_NONAME) or a lookup that failed
 * for good (EAI_FAIL), and a certificate this collector does not trust, stay so until someone
 * changes the URL, the DNS or the certificate: no retry. EAI_AGAIN is the resolver timing out
 * (a DNS server briefly away): one more try. Anything else (refused, reset, a dropped
 * connection) may be a vendor restarting: the retry policy.
 */
export function faultRetry(code: string | undefined): FaultRetry {
  if (code === undefined) return 'policy';
  if (code === 'ENOTFOUND' || code === 'EAI_NONAME' || code === 'EAI_FAIL') return 'none';
  if (code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || code.includes('CERT')) return 'none';
  if (code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE') return 'none';
  if (code === 'EAI_AGAIN') return 'one-more';
  return 'policy';
}

/** The system error code under a failed fetch (undici wraps it as `cause`, sometimes twice). */
export function faultCode(error: unknown): string | undefined {
  let cause = (error as { cause?: unknown } | null)?.cause;
  for (let depth = 0; depth < 3 && cause && typeof cause === 'object'; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cause = (cause as { cause?: unknown }).cause;
  }
  return undefined;
}

/** "host not found (ENOTFOUND)", or the code or message when there are no words for it. */
export function describeFault(error: unknown): string {
  const code = faultCode(error);
  if (code && CAUSES[code]) return `${CAUSES[code]} (${code})`;
  const cause = (error as { cause?: { message?: string } }).cause;
  return code ?? cause?.message ?? (error as Error).message ?? 'network error';
}

/** "cannot reach Jamf Pro at jamf.example.com: host not found (ENOTFOUND)" */
export function unreachableMessage(vendor: string, host: string, error: unknown): string {
  return `cannot reach ${vendor} at ${host}: ${describeFault(error)}`;
}
