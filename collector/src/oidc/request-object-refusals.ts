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

/**
 * The provider's own refusals of a request object, by the description it gives them
 * (node_modules/oidc-provider/lib/actions/authorization/process_request_object.js). Only here
 * is its wording read; test/e2e/request-object-replay.test.ts drives each through the real
 * provider, so an upgrade that rewords one fails there instead of showing the wrong page.
 */
const PROVIDER_BUILT_WRONGLY = [
  'unsupported signed request alg',
  'the preregistered alg must be used',
  'Request Object claims are invalid',
  'Request Object must not contain request',
];
/** The detail (the failed check) the provider gives its "claims are invalid" refusal when `exp` has passed. */
const PROVIDER_EXPIRED_DETAIL = 'jwt expired';

/**
 * Why an error the provider answered with refused a request object; null when it is not a
 * request-object refusal. Anything not known to be the application's doing or the clock's
 * keeps the tampering reading: that is what an object that fails a check most often means.
 */
export function requestObjectRefusal(error: unknown): RequestObjectRefusal | null {
  if (error instanceof RequestObjectRefused) return error.refusal;
  const { error: code, error_description: description, error_detail: detail } = (error ?? {}) as Record<string, unknown>;
  if (code !== 'invalid_request_object' || typeof description !== 'string') return null;
  if (detail === PROVIDER_EXPIRED_DETAIL) return REQUEST_OBJECT_REFUSAL.expired;
  if (PROVIDER_BUILT_WRONGLY.some((start) => description.startsWith(start))) return REQUEST_OBJECT_REFUSAL.builtWrongly;
  return REQUEST_OBJECT_REFUSAL.unverified;
}
