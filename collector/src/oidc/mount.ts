import type { Context, Middleware, Next } from 'koa';
import type Provider from 'oidc-provider';
import { LOOPBACK_PORTS } from '@devtrust/shared/protocol';
import { AppError } from '../errors.js';
import type { Mount } from '../http/app.js';
import type { SignInLimits } from '../limits/abuse-limits.js';
import { TooManyRequests } from '../limits/rate-limiter.js';
import type { OidcKeyStore } from '../services/oidc-keys.js';
import type { Services } from '../services/services.js';
import { DeviceTrustRecords } from './device-trust.js';
import { keyAdminRouter } from './key-admin.js';
import { DeviceCheck } from './interaction/device-check.js';
import { interactionRouter } from './interaction/routes.js';
import { tooManySignIns } from './interaction/errors.js';
import { errorPage } from './pages/error-page.js';
import { contentSecurityPolicy, newNonce, type Branding, type PageSecurity } from './pages/layout.js';
import { OIDC_PREFIX, OIDC_ROUTES, createProvider } from './provider.js';
import { dropParamsOutsideRequestObject } from './request-object-outside-params.js';

export interface PromptOptions {
  /** Loopback ports the page tries for the agent; tests run doors on free ports. */
  loopbackPorts?: readonly number[];
  /** How long the prompt waits for an agent before policy decides without one. */
  agentWaitMs?: number;
  /** Organisation logo on the prompt; default: the configured DEVTRUST_ORG_LOGO_URL. */
  logoUrl?: string | null;
}

export const DEFAULT_AGENT_WAIT_MS = 30_000;
/** How often a collector looks for keys another collector rotated. */
const KEY_CHECK_MS = 30_000;

/** The origins the agent's loopback door may answer on, as the page must try them. */
export function agentOrigins(publicUrl: string, ports: readonly number[]): string[] {
  const host = new URL(publicUrl).hostname;
  const loopback = host === 'localhost' || host === '[::1]' || host.startsWith('127.');
  // SPEC: HTTPS doors beside a real collector, plain HTTP beside a loopback one. A door
  // left without its certificate falls back to HTTP, which Chrome still allows from HTTPS.
  const schemes = loopback ? ['http'] : ['https', 'http'];
  return schemes.flatMap((scheme) => ports.map((port) => `${scheme}://127.0.0.1:${port}`));
}

/**
 * Mounts the OpenID Connect provider (discovery at the root, the rest under /oidc), the
 * device-check interaction and the key admin route. The provider is built on first use (on
 * a first start that generates its RSA key, which a collector that never serves a sign-in
 * should not pay for) and rebuilt when its keys change here or on another collector
 * sharing the database.
 */
export function oidcMount(options: PromptOptions = {}): Mount {
  return (app, services) => {
    const ports = options.loopbackPorts ?? LOOPBACK_PORTS;
    const logoUrl = options.logoUrl !== undefined ? options.logoUrl : services.config.orgLogoUrl;
    const agentWaitMs = options.agentWaitMs ?? DEFAULT_AGENT_WAIT_MS;
    const branding: Branding = { orgName: services.config.orgName, logoUrl };
    const security = (): PageSecurity => ({
      connect: agentOrigins(services.config.publicUrl, ports),
      img: logoUrl ? [new URL(logoUrl).origin] : [],
      formActionSelf: true,
    });
    const keyStore = services.oidcKeys;
    const deviceTrust = new DeviceTrustRecords(services.oidc);
    const holder = new ProviderHolder(services, keyStore, (keys) => createProvider({ services, keys, deviceTrust, branding }));
    const interactions = interactionRouter({
      services,
      provider: () => holder.get(),
      check: new DeviceCheck(services, agentWaitMs),
      deviceTrust,
      branding,
      security,
      downloadUrl: () => services.config.agentDownloadUrl,
      agentWaitMs,
    });

    app.use(interactions.routes());
    app.use(
      providerMiddleware(holder, () => ({ ...security(), formActionSelf: false }), {
        limits: services.signInLimits,
        branding,
        publicOrigin: new URL(services.config.publicUrl).origin,
      }),
    );
    const keys = keyAdminRouter(services, () => holder.invalidate());
    app.use(keys.routes()).use(keys.allowedMethods());
  };
}

const DISCOVERY_PATH = '/.well-known/openid-configuration';

function isProviderPath(path: string): boolean {
  return path === DISCOVERY_PATH || path.startsWith(`${OIDC_PREFIX}/`);
}

const PROVIDER_ROUTES: ReadonlySet<string> = new Set([DISCOVERY_PATH, ...Object.values(OIDC_ROUTES)]);
/** The provider's one parameterised route in use: resuming an authorization (`/auth/:uid`). */
const RESUME_ROUTE = new RegExp(`^${OIDC_ROUTES.authorization}/[A-Za-z0-9_-]{1,128}$`);

/**
 * Whether a path is one of the provider's routes exactly as configured. oidc-provider's own
 * router ignores case and a trailing slash, so `/oidc/AUTH` or `/oidc/auth/` would reach its
 * authorization endpoint past a guard that compares the path (the per-address limit below):
 * like every other route of the collector (http/routing.ts), any other spelling is a 404.
 */
function isProviderRoute(path: string): boolean {
  return PROVIDER_ROUTES.has(path) || RESUME_ROUTE.test(path);
}

/** Hands the provider's paths to it, inside this app's middleware (as koa-mount would). */
function providerMiddleware(
  holder: ProviderHolder,
  security: () => PageSecurity,
  guard: { limits: SignInLimits; branding: Branding; publicOrigin: string },
): Middleware {
  return async function oidcProvider(ctx: Context, next: Next): Promise<void> {
    if (!isProviderPath(ctx.path)) return next();
    if (!isProviderRoute(ctx.path)) throw new AppError(404, 'NOT_FOUND', `no route for ${ctx.method} ${ctx.path}`);
    // Pages the provider renders (errors, form_post) get the prompt's strict policy; the
    // provider adds its inline script's hash to script-src where it needs one.
    const nonce = newNonce();
    ctx.state.cspNonce = nonce;
    ctx.set('Content-Security-Policy', contentSecurityPolicy(nonce, security()));
    // A new authorization request starts a sign-in (an interaction, then a transaction):
    // capped per client address before the provider stores anything. Resumes (/auth/:uid) are not.
    if (ctx.path === OIDC_ROUTES.authorization) {
      try {
        guard.limits.address(ctx.ip);
      } catch (error) {
        if (!(error instanceof TooManyRequests)) throw error;
        const page = tooManySignIns(error);
        ctx.status = 429;
        ctx.set('Retry-After', String(error.retryAfterSeconds));
        ctx.type = 'html';
        ctx.body = errorPage({ nonce, branding: guard.branding, title: page.title, message: page.message, detail: page.detail });
        return;
      }
      // A refusal of a request object must not redirect by parameters from outside it.
      dropParamsOutsideRequestObject(ctx);
    }
    // The provider builds its endpoints' URLs (discovery, the audiences it accepts) from the
    // request's URL (protocol and Host). They are the issuer's, DEVTRUST_PUBLIC_URL, whatever Host a request
    // named: a proxy that passed on a host without its port, or a client's own Host header,
    // must not change where applications are sent.
    // The path and query alone: a request target in absolute form (`GET http://host/…`) names
    // a host of its own in `originalUrl`.
    Object.defineProperty(ctx.request, 'href', { value: `${guard.publicOrigin}${ctx.path}${ctx.search}`, configurable: true });
    const provider = await holder.get();
    // The provider signs its cookies with its own keys; this app has none.
    ctx.cookies = provider.createContext(ctx.req, ctx.res).cookies;
    const stack = provider.middleware;
    const dispatch = (i: number): Promise<void> => {
      const layer = stack[i];
      return layer ? Promise.resolve(layer(ctx as never, () => dispatch(i + 1))) : next();
    };
    await dispatch(0);
  };
}

/** The current provider, built lazily and swapped when the key set changes. */
class ProviderHolder {
  private current: Promise<{ provider: Provider; version: string }> | null = null;
  private checkedAt = Date.now();

  constructor(
    private readonly services: Services,
    private readonly keyStore: OidcKeyStore,
    private readonly build: (keys: Awaited<ReturnType<OidcKeyStore['load']>>) => Provider,
  ) {}

  async get(): Promise<Provider> {
    this.current ??= this.keyStore.load().then((keys) => ({ provider: this.build(keys), version: keys.version }));
    let built: { provider: Provider; version: string };
    try {
      built = await this.current;
    } catch (error) {
      this.current = null; // a failed build (database down) must not stick
      throw error;
    }
    if (Date.now() - this.checkedAt > KEY_CHECK_MS) {
      this.checkedAt = Date.now();
      void this.keyStore
        .version()
        .then((version) => {
          if (version !== built.version) this.invalidate();
        })
        .catch((err: unknown) => this.services.log.warn({ err }, 'oidc key check failed'));
    }
    return built.provider;
  }

  invalidate(): void {
    this.current = null;
  }
}
