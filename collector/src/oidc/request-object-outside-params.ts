import type { Context } from 'koa';

/**
 * The parameters that say where and how the provider answers an authorization request. Only
 * the request object may give them when one is sent: outside it they are unsigned, anyone who
 * hands a person a link can write them.
 */
const ANSWER_PARAMS = ['redirect_uri', 'state', 'response_mode'] as const;

/**
 * Drops redirect_uri, state and response_mode from outside an authorization request that
 * carries a request object (`request=`), before the provider reads the request.
 *
 * Why: oidc-provider answers a refused authorization request with a redirect whenever the
 * request names a registered redirect_uri and the error allows it
 * (lib/shared/authorization_error_handler.js). Until the request object has verified, the
 * redirect_uri it uses is the one from outside it, and the state the outside one or the
 * unverified object's (process_request_object.js copies state, response_mode and response_type
 * from the object before checking it). Its own refusals of a request object (bad signature,
 * alg=none or another algorithm, expired, wrong iss or aud) allow a redirect, so a forged or
 * stale link plus `&redirect_uri=…&state=…` sent the person to the application with a state of
 * the sender's choosing, and skipped DevTrust's page that says why. Without a redirect_uri the
 * handler renders the page instead, whatever the error allows.
 *
 * Why here and not in the requestObjects hook (request-objects.ts): the provider checks the
 * algorithm and the claims (exp, iss, aud) before it calls the hook, so the hook never sees an
 * alg=none or an expired object; only a bad signature (checked after the hook) reaches it.
 *
 * Nothing is lost: once the object verifies, the provider takes every parameter from it and
 * drops the outside ones anyway (OIDC Core 6.1, RFC 9101 5), so a client that repeats
 * redirect_uri outside as well as inside (openid-client does) signs in as before. Without a
 * redirect_uri outside, any refusal before the object verified is shown on DevTrust's error page
 * (the provider's fallback to a client's only registered URI is off: allowOmittingSingle…).
 * client_id and response_type stay: the provider needs them to find the client and compares
 * response_type with the object's.
 */
export function dropParamsOutsideRequestObject(ctx: Context): void {
  // GET only: the provider's authorization endpoint takes no POST (enableHttpPostMethods is
  // off), so a request object never arrives in a body; turning POST on means handling it here.
  if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return;
  const query = new URLSearchParams(ctx.querystring);
  // An empty `request=` is no request object to the provider (it reads '' as absent), nor here.
  if (!query.getAll('request').some(Boolean) || !ANSWER_PARAMS.some((name) => query.has(name))) return;
  for (const name of ANSWER_PARAMS) query.delete(name);
  ctx.querystring = query.toString();
}
