import { createHash, randomBytes } from 'node:crypto';

/** Where the tests' applications say they receive the answer; nothing listens there. */
export const CALLBACK_URI = 'http://127.0.0.1:9/callback';

/**
 * An unsigned authorization request, as anyone holding an application's public client id can
 * send it (PKCE, a login_hint naming anyone), without following the answer: a 303 to the
 * prompt when the provider started the device check.
 */
export function startUnsignedSignIn(base: string, clientId: string, username: string): Promise<Response> {
  const authorize = new URL(`${base}/oidc/auth`);
  authorize.search = new URLSearchParams({
    client_id: clientId,
    redirect_uri: CALLBACK_URI,
    response_type: 'code',
    scope: 'openid',
    state: randomBytes(8).toString('hex'),
    code_challenge: createHash('sha256').update(randomBytes(32)).digest('base64url'),
    code_challenge_method: 'S256',
    login_hint: username,
  }).toString();
  return fetch(authorize, { redirect: 'manual' });
}

/** The prompt a started sign-in sent the browser to, and the cookies that browser would hold. */
export function promptOf(base: string, started: Response): { prompt: URL; cookie: string } {
  const cookie = started.headers
    .getSetCookie()
    .map((v) => v.split(';')[0])
    .join('; ');
  return { prompt: new URL(started.headers.get('location') ?? '', base), cookie };
}
