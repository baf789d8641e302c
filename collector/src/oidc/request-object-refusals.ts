import { errors } from 'oidc-provider';

/** How a request object seen before is refused: the error page tells this reuse from tampering by it. */
export const REQUEST_OBJECT_REUSED = 'Request Object has already been used';

/**
 * Why a signed request object was refused, as the error page (pages/error-page.ts) tells the
 * person: each reason asks for something else (sign in again, or have the application fixed).
 */
export const REQUEST_OBJECT_REFUSAL = {
  /** Its jti was accepted before: the same link opened twice (Back, a refresh, a copy). */
  reused: 'reused',
  /** Past its `exp`: the link waited too long before it was opened. */
  expired: 'expired',
  /** The application built it against the rules (no exp or jti, too long-lived, another algorithm, wrong iss or aud). */
  builtWrongly: 'built-wrongly',
  /** It does not match its signature: changed on the way, or signed with something other than the client secret. */
  unverified: 'unverified',
} as const;
export type RequestObjectRefusal = (typeof REQUEST_OBJECT_REFUSAL)[keyof typeof REQUEST_OBJECT_REFUSAL];

/** A request object refused by DevTrust's own rules (request-objects.ts), carrying why. */
export class RequestObjectRefused extends errors.InvalidRequestObject {
  constructor(
    readonly refusal: RequestObjectRefusal,
    description: string,
  ) {
    super(description);
    // The person lands on DevTrust's page that says why, not back in the application with an
    // error code it may not show: a refused link is the person's business, not the app's.
    this.allow_redirect = false;
  }
}
