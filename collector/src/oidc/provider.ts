import Provider, { interactionPolicy, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Services } from '../services/services.js';
import { OidcAdapter } from './adapter.js';
import { ApplicationClients } from './clients.js';
import { DEVICE_TRUST_CLAIM, type DeviceTrustRecords } from './device-trust.js';
import type { ProviderKeys } from '../services/oidc-keys.js';
import { requireOpenidScope } from './openid-scope.js';
import { requestObjectRules, useAcceptedRequestObject } from './request-objects.js';
import { REQUEST_OBJECT_REFUSAL, requestObjectRefusal } from './request-object-refusals.js';
import { errorPage, explainProviderError } from './pages/error-page.js';
import type { Branding } from './pages/layout.js';

/** Everything the provider serves lives under this prefix, except discovery at the root. */
export const OIDC_PREFIX = '/oidc';
export const interactionPath = (uid: string): string => `${OIDC_PREFIX}/interaction/${uid}`;

/**
 * The provider's endpoints, spelled once: the provider is configured with them and the
 * mount lets through only these exact spellings (see isProviderRoute in mount.ts).
 */
export const OIDC_ROUTES = {
  authorization: `${OIDC_PREFIX}/auth`,
  token: `${OIDC_PREFIX}/token`,
  jwks: `${OIDC_PREFIX}/jwks`,
  userinfo: `${OIDC_PREFIX}/me`,
  end_session: `${OIDC_PREFIX}/session/end`,
  revocation: `${OIDC_PREFIX}/token/revocation`,
  introspection: `${OIDC_PREFIX}/token/introspection`,
  registration: `${OIDC_PREFIX}/reg`,
  code_verification: `${OIDC_PREFIX}/device`,
  device_authorization: `${OIDC_PREFIX}/device/auth`,
  pushed_authorization_request: `${OIDC_PREFIX}/request`,
  backchannel_authentication: `${OIDC_PREFIX}/backchannel`,
  challenge: `${OIDC_PREFIX}/challenge`,
} as const;

/** Lifetimes in seconds. A sign-in is one device check; nothing here outlives it for long. */
export const OIDC_TTL = {
  AuthorizationCode: 60,
  IdToken: 3600,
  AccessToken: 600,
  Interaction: 600,
  Session: 3600,
  Grant: 3600,
} as const;

export interface ProviderDeps {
  services: Services;
  keys: ProviderKeys;
  deviceTrust: DeviceTrustRecords;
  branding: Branding;
}

/**
 * The device check runs on every authorization: a session from an earlier sign-in does
 * not vouch for the device now, so the login prompt stays requested until this very
 * authorization's interaction has finished (its result holds `login`). With prompt=none
 * the client therefore gets login_required, never a silent pass.
 */
function devicePolicy(): interactionPolicy.DefaultPolicy {
  const policy = interactionPolicy.base();
  policy
    .get('login')
    ?.checks.push(
      new interactionPolicy.Check('device_check', 'a device check is required for every sign-in', 'login_required', (ctx) =>
        ctx.oidc.result?.login ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT,
      ),
    );
  return policy;
}

/**
 * The application a refused request came from, when the provider resolved it (a registered
 * client): a client_id merely claimed by the request is anybody's text, and would let anyone
 * write "rotate this application's secret" warnings about any name.
 */
function resolvedClientId(ctx: KoaContextWithOIDC): string | null {
  return ctx.oidc?.client?.clientId ?? null;
}

/**
 * At most one warning per application a minute, with how many refusals it stands for: anyone
 * can send a forged request object or a wrong secret for a real client_id, and the log must not
 * fill with them. Keyed by resolved clients only, so the map holds at most one entry per application.
 */
function oncePerMinute(): (clientId: string) => number | null {
  const last = new Map<string, { at: number; since: number }>();
  return (clientId) => {
    const now = Date.now();
    const seen = last.get(clientId);
    if (seen && now - seen.at < 60_000) {
      seen.since++;
      return null;
    }
    last.set(clientId, { at: now, since: 0 });
    return 1 + (seen?.since ?? 0);
  };
}

/** The OpenID Connect provider: applications are its clients, the device check its login. */
export function createProvider(deps: ProviderDeps): Provider {
  const { services, keys, deviceTrust, branding } = deps;
  const clients = new ApplicationClients(services.applications);
  const log = services.log.child({ component: 'oidc' });

  const configuration: Configuration = {
    adapter: (name: string) => (name === 'Client' ? clients : new OidcAdapter(services.oidc, name)),
    clients: [],
    jwks: { keys: keys.signing as NonNullable<Configuration['jwks']>['keys'] },
    cookies: {
      keys: keys.cookies,
      names: { session: 'dt_session', interaction: 'dt_interaction', resume: 'dt_resume' },
      long: { httpOnly: true, sameSite: 'lax', signed: true },
      short: { httpOnly: true, sameSite: 'lax', signed: true },
    },
    // The verdict is what applications come for: it rides in the ID token itself.
    claims: { openid: ['sub', DEVICE_TRUST_CLAIM] },
    conformIdTokenClaims: false,
    scopes: ['openid'],
    responseTypes: ['code'],
    pkce: { required: () => true },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    clientBasedCORS: () => false,
    allowOmittingSingleRegisteredRedirectUri: false,
    features: {
      devInteractions: { enabled: false },
      // No logout endpoint: a session vouches for nothing here, so there is nothing to sign
      // out of. The provider's own use of it (an account switch on resume) is avoided by
      // ending the earlier session before the result (interaction/earlier-session.ts).
      rpInitiatedLogout: { enabled: false },
      userinfo: { enabled: true },
      // No PAR: on by the library's default, and advertised in discovery, but a pushed request
      // cannot satisfy the request-object rules (a `jti` accepted once, checked at the push), so
      // the authorization request naming it was always refused. A library that prefers PAR when
      // discovery offers it would have failed every sign-in.
      pushedAuthorizationRequests: { enabled: false },
      // JAR: an application may sign its request (HS256 with its client secret) so the
      // browser cannot change login_hint; parameters outside a request object are ignored.
      // Each request object must expire within minutes and is accepted once (request-objects.ts).
      requestObjects: {
        enabled: true,
        requireSignedRequestObject: services.config.requireSignedRequest,
        assertJwtClaimsAndHeader: requestObjectRules(services.oidc) as never,
      },
    },
    enabledJWA: { requestObjectSigningAlgValues: ['HS256'] },
    // The verdict rides in the ID token alone, and the provider issues one only for the openid
    // scope: a request without it (plain OAuth, which oidc-provider allows) would run the device
    // check and hand the application no verdict. Refused here, as `invalid_scope`: extraParams'
    // validators are the provider's own hook that runs after the request object was verified
    // and its parameters took over (so a signed request without openid is refused too) and after
    // the redirect_uri was checked (so the refusal goes back to the application, as RFC 6749
    // 4.1.2.1 says), but before the interaction starts, where the request object's jti is
    // used up (interactions.url below): the corrected request may reuse it. `scope` is a
    // standard parameter already; naming it here only adds this validator.
    extraParams: { scope: requireOpenidScope },
    routes: { ...OIDC_ROUTES },
    interactions: {
      policy: devicePolicy(),
      // Starting the device check is how the provider accepts an authorization request here:
      // the request object's jti is used up now, not before (request-objects.ts).
      url: async (ctx, interaction) => {
        await useAcceptedRequestObject(services.oidc, ctx, interaction);
        return interactionPath(interaction.uid);
      },
    },
    // Never reuse the grant an earlier sign-in left in the session: the one this
    // interaction made carries this device check.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const grantId = ctx.oidc.result?.consent?.grantId;
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
    findAccount: async (_ctx, sub, token) => {
      // The application redeeming the code completes the sign-in: one decided without an
      // agent stops being an abandoned prompt and becomes a real (unattested) sign-in.
      if (token?.kind === 'AuthorizationCode') {
        const trust = await deviceTrust.forGrant(token.grantId);
        if (trust && trust.endpointId === null) await services.authLog.markCompleted(trust.transactionId);
      }
      return {
        accountId: sub,
        claims: async () => {
          const trust = await deviceTrust.forGrant(token?.grantId);
          return { sub, ...(trust ? { [DEVICE_TRUST_CLAIM]: trust } : {}) };
        },
      };
    },
    ttl: { ...OIDC_TTL },
    renderError: (ctx, out, error) => {
      const { title, message } = explainProviderError(out.error, out.error_description, requestObjectRefusal(error));
      // Which check failed ("jwt expired"), for the application's owner: the provider keeps it
      // out of the description; it names claims and algorithms, never a secret.
      const failedCheck = out.error === 'invalid_request_object' ? (error as { error_detail?: unknown }).error_detail : undefined;
      ctx.type = 'html';
      ctx.body = errorPage({
        nonce: (ctx.state as { cspNonce?: string }).cspNonce ?? '',
        branding,
        title,
        message,
        detail: `${out.error}${out.error_description ? `: ${out.error_description}` : ''}${typeof failedCheck === 'string' ? ` (${failedCheck})` : ''}`,
      });
    },
  };

  const provider = new Provider(services.config.publicUrl, configuration);
  // Cookies are Secure when the request came over HTTPS; behind a TLS-terminating proxy
  // that is known only from X-Forwarded-Proto, believed when DEVTRUST_TRUST_PROXY is on.
  provider.proxy = services.config.trustProxy;
  provider.on('server_error', (_ctx: unknown, err: Error) => log.error({ err }, 'oidc provider error'));
  // A request object that does not verify, or a token request whose client authentication
  // fails, is what every sign-in of an application looks like after its secret was rotated and
  // the application kept the old one: a warning naming the application, for whoever reads the
  // log, since the user only sees "changed on the way" (a forged link reads the same, hence "or").
  // One budget per kind: an application's forged links must not hide its failing token requests.
  const requestWarning = oncePerMinute();
  const tokenWarning = oncePerMinute();
  provider.on('authorization.error', (ctx: KoaContextWithOIDC, err: { error?: string; error_description?: string }) => {
    const fields = { error: err.error, description: err.error_description };
    const clientId = resolvedClientId(ctx);
    const count = clientId !== null && requestObjectRefusal(err) === REQUEST_OBJECT_REFUSAL.unverified ? requestWarning(clientId) : null;
    if (count === null) return log.info(fields, 'authorization refused');
    log.warn(
      { ...fields, clientId, refusals: count },
      "a signed sign-in request did not verify with the application's client secret: it was forged or altered on the way, or the application signs with an old secret (after devtrustctl app rotate-secret, it must use the new one)",
    );
  });
  provider.on('grant.error', (ctx: KoaContextWithOIDC, err: { error?: string; error_description?: string }) => {
    const fields = { error: err.error, description: err.error_description };
    const clientId = resolvedClientId(ctx);
    const count = clientId !== null && err.error === 'invalid_client' ? tokenWarning(clientId) : null;
    if (count === null) return log.info(fields, 'token request refused');
    log.warn(
      { ...fields, clientId, refusals: count },
      'a token request for this application failed client authentication: a wrong secret, or the application sends an old one (after devtrustctl app rotate-secret, it must use the new one)',
    );
  });
  return provider;
}
