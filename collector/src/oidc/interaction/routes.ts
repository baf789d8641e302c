import type { Router } from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { unsafeCharacter } from '@devtrust/shared/identity';
import { exactRouter } from '../../http/routing.js';
import type { Services } from '../../services/services.js';
import type { Application } from '../../domain/application.js';
import { claimOf, denialDescription, type DeviceTrustRecords } from '../device-trust.js';
import { discloseVerdict } from '../../policy/disclosure.js';
import { contentSecurityPolicy, newNonce, type Branding, type PageSecurity } from '../pages/layout.js';
import { promptPage } from '../pages/prompt-page.js';
import { OIDC_PREFIX, OIDC_TTL, interactionPath } from '../provider.js';
import type { DeviceCheck } from './device-check.js';
import { endEarlierSession } from './earlier-session.js';
import { PromptError, interactionGone, renderPromptErrors } from './errors.js';

export interface InteractionDeps {
  services: Services;
  provider: () => Promise<Provider>;
  check: DeviceCheck;
  deviceTrust: DeviceTrustRecords;
  branding: Branding;
  security: () => PageSecurity;
  downloadUrl: () => string | null;
  agentWaitMs: number;
}

type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

const MAX_LOGIN_HINT = 256;

/**
 * The interaction is the device check: the page (GET :uid), what it polls (GET :uid/state)
 * and where it ends (GET :uid/finish), which turns the collector's verdict into the
 * interaction result — a login with a fresh grant, or access_denied with the reason.
 */
export function interactionRouter(deps: InteractionDeps): Router {
  const { services, check, deviceTrust } = deps;
  const router = exactRouter({ prefix: `${OIDC_PREFIX}/interaction` });
  router.use(renderPromptErrors(services.log.child({ component: 'prompt' }), deps.branding, deps.security));

  /** The interaction this browser holds, checked against the URL, with its application. */
  async function load(ctx: Context): Promise<{ provider: Provider; details: InteractionDetails; app: Application; loginHint: string }> {
    const provider = await deps.provider();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.uid !== ctx.params.uid) throw interactionGone('the interaction cookie names another interaction');
    const clientId = String(details.params.client_id ?? '');
    const app = await services.applications.byClientId(clientId);
    if (!app)
      throw new PromptError(
        400,
        'UNKNOWN_APPLICATION',
        'This application is not registered',
        'The application that sent you here is no longer known to your organisation.',
      );
    const loginHint = typeof details.params.login_hint === 'string' ? details.params.login_hint.trim() : '';
    if (loginHint === '' || loginHint.toLowerCase().length > MAX_LOGIN_HINT) {
      throw new PromptError(
        400,
        'LOGIN_HINT_REQUIRED',
        `${app.name} didn’t say who is signing in`,
        `${app.name} sent you here without naming the person who is signing in. The application must sign you in first and pass your username as login_hint; tell its owner.`,
        `invalid_request: login_hint is required (1-${MAX_LOGIN_HINT} characters)`,
      );
    }
    // The hint becomes the username on this page and in the tray's confirmation: a newline or
    // a bidi override there could make somebody else's sign-in read as an instruction.
    // Checked before the trim above: a trailing newline or U+2028 is refused, not trimmed away.
    const unsafe = unsafeCharacter(details.params.login_hint as string);
    if (unsafe) {
      throw new PromptError(
        400,
        'LOGIN_HINT_INVALID',
        `${app.name} sent a username this page will not show`,
        `${app.name} sent a username containing ${unsafe}, a control or bidirectional character that can change how text reads. The sign-in was stopped; nothing was checked or shared. Tell the application's owner.`,
        `invalid_request: login_hint contains ${unsafe} (control and bidirectional characters are refused)`,
      );
    }
    return { provider, details, app, loginHint };
  }

  router.get('/:uid', async function showPrompt(ctx) {
    const { details, app, loginHint } = await load(ctx);
    const uid = details.uid;
    const tx = await check.open(uid, app, loginHint, details.exp - Math.floor(Date.now() / 1000));
    const nonce = newNonce();
    const security = deps.security();
    ctx.set('Content-Security-Policy', contentSecurityPolicy(nonce, security));
    ctx.type = 'html';
    ctx.body = promptPage({
      nonce,
      branding: deps.branding,
      appName: app.name,
      username: tx.username,
      transactionId: tx.id,
      statePath: `${interactionPath(uid)}/state`,
      finishPath: `${interactionPath(uid)}/finish`,
      agentOrigins: security.connect,
      downloadUrl: deps.downloadUrl(),
      waitSeconds: Math.round(deps.agentWaitMs / 1000),
    });
  });

  router.get('/:uid/state', async function pollState(ctx) {
    const { details, app } = await load(ctx);
    const state = await check.state(details.uid, app.reasonDetail);
    if (!state) throw interactionGone('no device check was opened for this interaction');
    ctx.body = state;
  });

  router.get('/:uid/finish', async function finish(ctx) {
    const { provider, details, app } = await load(ctx);
    const state = await check.state(details.uid, app.reasonDetail);
    const tx = await check.transactionOf(details.uid);
    // The ID token carries as much of the reasons as the application's reasonDetail allows.
    const claim = tx ? claimOf(tx, (verdict) => discloseVerdict(app.reasonDetail, verdict, tx.id)) : null;
    if (!state || !tx || state.state !== 'decided' || !claim) {
      // Not decided yet (or expired): back to the page, which knows what to say.
      ctx.status = 303;
      ctx.redirect(interactionPath(details.uid));
      return;
    }
    // Every sign-in starts from no session, whoever signed in before in this browser.
    await endEarlierSession(ctx, provider, details);
    let returnTo: string;
    if (state.access === 'allow') {
      // A fresh grant per sign-in: the device_trust claim is stored against it.
      const grant = new provider.Grant({ accountId: tx.username, clientId: app.clientId });
      grant.addOIDCScope('openid');
      const grantId = await grant.save();
      await deviceTrust.save(grantId, claim, OIDC_TTL.Grant);
      returnTo = await provider.interactionResult(
        ctx.req,
        ctx.res,
        { login: { accountId: tx.username, remember: false }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      );
    } else {
      returnTo = await provider.interactionResult(
        ctx.req,
        ctx.res,
        { error: 'access_denied', error_description: denialDescription(state.reasons, state.reference) },
        { mergeWithLastSubmission: false },
      );
    }
    ctx.status = 303;
    ctx.redirect(returnTo);
  });
  return router;
}
