import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { OidcStorage } from '../services/oidc-storage.js';

/** The longest a signed request object may live: it only has to survive one redirect. */
export const MAX_REQUEST_OBJECT_LIFETIME_SEC = 600;

/** How a request object seen before is refused: the error page tells this reuse from tampering by it. */
export const REQUEST_OBJECT_REUSED = 'Request Object has already been used';

const refuse = (message: string): never => {
  throw new errors.InvalidRequestObject(message);
};

/** Whether the compact JWS verifies with the client secret (HS256, the only algorithm enabled). */
function signedBySecret(jwt: unknown, secret: unknown): boolean {
  if (typeof jwt !== 'string' || typeof secret !== 'string' || secret === '') return false;
  const parts = jwt.split('.');
  if (parts.length !== 3) return false;
  const expected = createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest();
  const actual = Buffer.from(parts[2] ?? '', 'base64url');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * oidc-provider's `requestObjects.assertJwtClaimsAndHeader`: a signed request object must
 * expire (`exp`, at most MAX_REQUEST_OBJECT_LIFETIME_SEC ahead, and after `iat` when given)
 * and carry a `jti` used once: whoever copies one from a browser's history or a log cannot
 * start the same sign-in again, nor keep a request without expiry for later. The provider
 * checks the signature after this hook, so the jti is recorded only for an object that
 * verifies here already: a forged one cannot use up somebody else's jti.
 */
export function requestObjectRules(storage: OidcStorage) {
  return async function assertRequestObject(
    ctx: KoaContextWithOIDC,
    claims: Record<string, unknown>,
    _header: Record<string, unknown>,
    client: { clientId: string; clientSecret?: string },
  ): Promise<void> {
    const now = Math.floor(Date.now() / 1000);
    const { exp, iat, jti } = claims;
    if (typeof exp !== 'number') refuse("Request Object is missing the 'exp' claim");
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) refuse("Request Object is missing the 'jti' claim");
    const start = typeof iat === 'number' ? Math.min(iat, now) : now;
    if ((exp as number) - start > MAX_REQUEST_OBJECT_LIFETIME_SEC) {
      refuse(`Request Object lifetime is longer than ${MAX_REQUEST_OBJECT_LIFETIME_SEC} seconds`);
    }
    if (!signedBySecret(ctx.oidc.params?.request, client.clientSecret)) return; // the provider refuses it next
    const id = createHash('sha256')
      .update(`${client.clientId}\u0000${jti as string}`)
      .digest('hex');
    const expiresAt = ((exp as number) + 60) * 1000; // past exp and the provider's clock tolerance
    // Used jtis live beside the provider's own records, so every collector on the database sees them.
    if (!(await storage.recordRequestObjectOnce(id, expiresAt))) {
      refuse(`${REQUEST_OBJECT_REUSED} (its jti was seen before)`);
    }
  };
}
