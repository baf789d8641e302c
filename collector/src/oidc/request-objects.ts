import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { OidcStorage } from '../services/oidc-storage.js';
import { REQUEST_OBJECT_REFUSAL, REQUEST_OBJECT_REUSED, RequestObjectRefused } from './request-object-refusals.js';

/** The longest a signed request object may live: it only has to survive one redirect. */
export const MAX_REQUEST_OBJECT_LIFETIME_SEC = 600;

const builtWrongly = (message: string): never => {
  throw new RequestObjectRefused(REQUEST_OBJECT_REFUSAL.builtWrongly, message);
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

/** A request object's jti, waiting for its authorization request to be accepted. */
interface PendingJti {
  /** The jti hashed with its client: two applications may pick the same jti. */
  id: string;
  /** When the record may go: past exp and the provider's clock tolerance. */
  expiresAt: number;
}

/** Keyed by the request's context: the hook and acceptance see the same one, and it goes with the request. */
const pending = new WeakMap<object, PendingJti>();

/**
 * oidc-provider's `requestObjects.assertJwtClaimsAndHeader`: a signed request object must
 * expire (`exp`, at most MAX_REQUEST_OBJECT_LIFETIME_SEC ahead, and after `iat` when given)
 * and carry a `jti` used once: whoever copies one from a browser's history or a log cannot
 * start the same sign-in again, nor keep a request without expiry for later.
 *
 * Here the jti is only looked up, never recorded: the provider checks the rest of the request
 * (signature, redirect_uri, PKCE, scope…) after this hook, and a request refused for one of those
 * must not use up its jti, or the corrected request would read "already used" (F10). It is
 * recorded by useAcceptedRequestObject, once the provider has accepted the request.
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
    if (typeof exp !== 'number') builtWrongly("Request Object is missing the 'exp' claim");
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) builtWrongly("Request Object is missing the 'jti' claim");
    const start = typeof iat === 'number' ? Math.min(iat, now) : now;
    if ((exp as number) - start > MAX_REQUEST_OBJECT_LIFETIME_SEC) {
      builtWrongly(`Request Object lifetime is longer than ${MAX_REQUEST_OBJECT_LIFETIME_SEC} seconds`);
    }
    // A forged object is refused by the provider's signature check next, as changed on the way:
    // it must not learn (nor read as) whether somebody's jti was used.
    if (!signedBySecret(ctx.oidc.params?.request, client.clientSecret)) return;
    const id = createHash('sha256')
      .update(`${client.clientId}\u0000${jti as string}`)
      .digest('hex');
    // Used jtis live beside the provider's own records, so every collector on the database sees them.
    if (await storage.requestObjectSeen(id)) {
      throw new RequestObjectRefused(REQUEST_OBJECT_REFUSAL.reused, `${REQUEST_OBJECT_REUSED} (its jti was seen before)`);
    }
    pending.set(ctx, { id, expiresAt: ((exp as number) + 60) * 1000 });
  };
}

/**
 * Records the jti of the request object an accepted authorization request carried, once; the
 * request that loses (the same object used twice at once, here or on another collector) is
 * refused as reused and its interaction destroyed, so it cannot be resumed either.
 *
 * Called from the provider's `interactions.url`, which runs when the provider has accepted the
 * request (every check passed, the interaction saved) and before its answer is written. That
 * is the one acceptance at the authorization endpoint here: devicePolicy (provider.ts) prompts
 * for every new authorization, so none is answered with a code directly. Being inside the
 * provider, a refusal goes through its own error handler and error page; a Koa middleware
 * around the endpoint would have to tell success from the provider's answer and rewrite it.
 */
export async function useAcceptedRequestObject(
  storage: OidcStorage,
  ctx: KoaContextWithOIDC,
  interaction: { destroy(): Promise<void> },
): Promise<void> {
  const jti = pending.get(ctx);
  if (!jti) return;
  pending.delete(ctx);
  if (await storage.recordRequestObjectOnce(jti.id, jti.expiresAt)) return;
  await interaction.destroy();
  throw new RequestObjectRefused(REQUEST_OBJECT_REFUSAL.reused, `${REQUEST_OBJECT_REUSED} (another sign-in used its jti first)`);
}
