import { errors } from 'oidc-provider';

/** The description of the refusal; the error page recognises it (pages/error-page.ts). */
export const OPENID_SCOPE_REQUIRED = "the 'openid' scope is required: the device verdict is sent in the ID token only";

/**
 * An authorization request's scope (as the provider normalised it, from the request object when
 * there is one) must hold `openid`; see provider.ts, where this is installed, for why.
 */
export function requireOpenidScope(_ctx: unknown, scope: string | undefined): void {
  if (!scope?.split(' ').includes('openid')) throw new errors.InvalidScope(OPENID_SCOPE_REQUIRED, 'openid');
}
