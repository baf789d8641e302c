import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as oidc from 'openid-client';
import type { ProtectedAppConfig } from './config.js';
import { deniedPage, failedPage, signInPage, signedInPage, type DeviceTrust } from './pages.js';
import { signedRequestObject } from './request-object.js';

/** What the app remembers between sending the user to DevTrust and their return. */
interface PendingSignIn {
  user: string;
  codeVerifier: string;
  state: string;
  nonce: string;
  startedAt: number;
}

const SESSION_COOKIE = 'example_signin';
const PENDING_TTL_MS = 10 * 60_000;

/** DevTrust's `sub` is the login_hint it was sent, trimmed and in lower case. */
const asSubject = (user: string): string => user.trim().toLowerCase();

/**
 * A protected application in one handler. Its own login (here: just a username) comes
 * first; DevTrust then checks the device through a standard OpenID Connect code flow with
 * PKCE, `state`, `nonce` and the user as `login_hint` — by default inside a request object
 * signed with the client secret, so the browser cannot swap the user. openid-client
 * verifies the ID token, including its signature against DevTrust's JWKS; then the app
 * makes sure DevTrust checked the device for the user it signed in (`sub`), and only then
 * reads `device_trust`.
 */
export async function createProtectedApp(config: ProtectedAppConfig): Promise<(req: IncomingMessage, res: ServerResponse) => void> {
  const issuer = new URL(config.issuer);
  // Plain HTTP only for a DevTrust on this machine (development and tests).
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname);
  const client = await oidc.discovery(issuer, config.clientId, undefined, oidc.ClientSecretBasic(config.clientSecret), {
    execute: [...(loopback ? [oidc.allowInsecureRequests] : []), oidc.enableNonRepudiationChecks],
  });
  const redirectUri = `${config.appUrl}/callback`;
  // The sign-in form's submit is answered with a redirect to DevTrust, and Chromium checks
  // form-action against every hop of that redirect: DevTrust's origin must be allowed too.
  const send = htmlSender(new URL(client.serverMetadata().authorization_endpoint ?? issuer.href).origin);
  const pending = new Map<string, PendingSignIn>();

  async function start(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const user = url.searchParams.get('user')?.trim() || config.demoUser;
    if (!user) return send(res, 200, signInPage());
    const sign: PendingSignIn = {
      user,
      codeVerifier: oidc.randomPKCECodeVerifier(),
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      startedAt: Date.now(),
    };
    const sid = randomBytes(18).toString('base64url');
    pending.set(sid, sign);
    for (const [id, p] of pending) if (Date.now() - p.startedAt > PENDING_TTL_MS) pending.delete(id);
    const params = {
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(sign.codeVerifier),
      code_challenge_method: 'S256',
      state: sign.state,
      nonce: sign.nonce,
      login_hint: user,
    };
    const target = oidc.buildAuthorizationUrl(
      client,
      config.signedRequest === false
        ? params
        : {
            response_type: 'code',
            scope: 'openid',
            request: signedRequestObject(params, { ...config, issuer: client.serverMetadata().issuer }),
          },
    );
    res.writeHead(303, { location: target.href, 'set-cookie': `${SESSION_COOKIE}=${sid}; Path=/; HttpOnly; SameSite=Lax; Max-Age=600` });
    res.end();
  }

  async function callback(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const sid = cookie(req, SESSION_COOKIE);
    const sign = sid ? pending.get(sid) : undefined;
    if (!sid || !sign) return send(res, 400, failedPage('No sign-in is in progress in this browser. Start again.'));
    pending.delete(sid); // one use: a replayed callback finds nothing
    try {
      const tokens = await oidc.authorizationCodeGrant(client, url, {
        pkceCodeVerifier: sign.codeVerifier,
        expectedState: sign.state,
        expectedNonce: sign.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (!claims) return send(res, 502, failedPage('DevTrust returned no ID token.'));
      // The verdict is about whoever DevTrust was asked about. Without a signed request the
      // browser could have asked about someone else: refuse unless it is the user signed in.
      if (claims.sub !== asSubject(sign.user)) {
        return send(
          res,
          403,
          failedPage(
            `DevTrust checked this device for "${claims.sub}", not for "${sign.user}" who signed in here, so the sign-in is refused.`,
          ),
        );
      }
      send(res, 200, signedInPage(sign.user, claims.sub, claims.device_trust as DeviceTrust | undefined, claims));
    } catch (error) {
      if (error instanceof oidc.AuthorizationResponseError && error.error === 'access_denied') {
        return send(res, 403, deniedPage(sign.user, error.error_description ?? 'access denied'));
      }
      // The token request refused with a 401 challenge: the client secret is wrong, most often the
      // old one after `devtrustctl app rotate-secret`. Say so, not the library's words for a challenge.
      if (error instanceof oidc.WWWAuthenticateChallengeError) {
        const refused = error.cause.find((c) => c.parameters.error)?.parameters.error ?? `HTTP ${error.status}`;
        return send(
          res,
          502,
          failedPage(
            `DevTrust refused this application's client credentials (${refused}): check CLIENT_ID and CLIENT_SECRET. After devtrustctl app rotate-secret, the application must use the new secret.`,
          ),
        );
      }
      // openid-client wraps the precise check that failed (state, nonce, signature…) as the cause.
      const e = error as Error & { error?: string; error_description?: string; code?: string; cause?: { message?: string } };
      const why = e.error_description ?? [e.message, e.cause?.message].filter(Boolean).join(': ');
      send(res, 400, failedPage(`${e.error ?? e.code ?? e.name}: ${why}`));
    }
  }

  return (req, res) => {
    const url = new URL(req.url ?? '/', config.appUrl);
    const route =
      req.method === 'GET' && url.pathname === '/' ? start : req.method === 'GET' && url.pathname === '/callback' ? callback : null;
    if (!route) return send(res, 404, failedPage('Not found.'));
    route(req, res, url).catch((error: unknown) => send(res, 500, failedPage(`Unexpected error: ${(error as Error).message}`)));
  };
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

function htmlSender(devtrustOrigin: string): (res: ServerResponse, status: number, html: string) => void {
  const csp = `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${devtrustOrigin}; frame-ancestors 'none'`;
  return (res, status, html) => {
    if (res.headersSent) return;
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp, 'cache-control': 'no-store' });
    res.end(html);
  };
}
