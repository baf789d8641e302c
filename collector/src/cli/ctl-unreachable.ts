/**
 * Why devtrustctl got no answer from the collector, as one line with what to do about it. A
 * certificate error is not a wrong URL: the collector answered, with a certificate Node does not
 * trust (a private CA, usually), so the hint names NODE_EXTRA_CA_CERTS, as docs/agent.md does for
 * the agent. Turning verification off is never suggested: it would hand the API key to whoever
 * answers.
 */

/** Node's codes for a certificate chain it cannot trust: its CA is not one Node knows. */
const UNTRUSTED_CHAIN = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);
const OUT_OF_DATE = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
const WRONG_NAME = 'ERR_TLS_CERT_ALTNAME_INVALID';

const TRUST_CA =
  "the collector's TLS certificate is not signed by a CA this machine trusts: if the collector uses a private CA, trust it with NODE_EXTRA_CA_CERTS=FILE (its CA certificate, PEM), e.g. NODE_EXTRA_CA_CERTS=/path/ca.pem devtrustctl …";
const WRONG_URL = 'set --url, DEVTRUST_URL, or DEVTRUST_PORT for a collector on this machine';

/** `cannot reach BASE: WHY (HINT)`, for a fetch that threw (a TypeError with a cause) or timed out. */
export function unreachableMessage(base: string, error: unknown, timeoutMs: number): string {
  const failure = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (failure.name === 'TimeoutError') return `cannot reach ${base}: no answer within ${timeoutMs / 1000} s (${WRONG_URL})`;
  const code = failure.cause?.code;
  const why = code ?? failure.cause?.message ?? failure.message ?? String(error);
  return `cannot reach ${base}: ${why} (${hint(code)})`;
}

function hint(code: string | undefined): string {
  if (code !== undefined && UNTRUSTED_CHAIN.has(code)) return TRUST_CA;
  if (code !== undefined && OUT_OF_DATE.has(code))
    return "the collector's TLS certificate has expired or is not valid yet: renew it on the collector, and check this machine's clock";
  if (code === WRONG_NAME)
    return "the server's TLS certificate does not name this host: you may have reached another server than the collector; check before sending your API key there, then set --url or DEVTRUST_URL to the collector's own name (its private CA, if any, trusted with NODE_EXTRA_CA_CERTS=FILE)";
  return WRONG_URL;
}
