import { REQUEST_OBJECT_REFUSAL, type RequestObjectRefusal } from '../request-object-refusals.js';
import { escapeHtml, layout, type Branding } from './layout.js';

export interface ErrorPageInput {
  nonce: string;
  branding: Branding;
  /** Short, plain heading: what happened. */
  title: string;
  /** What the person can do about it. */
  message: string;
  /** The protocol error for whoever gets the support ticket, e.g. "invalid_request: …". */
  detail?: string | null;
}

/** A page for requests that cannot go back to the application (or must not). */
export function errorPage(input: ErrorPageInput): string {
  const detail = input.detail
    ? `<details><summary>Details for your IT team</summary><p><code>${escapeHtml(input.detail)}</code></p></details>`
    : '';
  return layout({
    title: input.title,
    nonce: input.nonce,
    branding: input.branding,
    body: `<h1>${escapeHtml(input.title)}</h1>
<div class="panel bad" role="alert"><p>${escapeHtml(input.message)}</p></div>
${detail}`,
  });
}

/**
 * Plain words for the provider's protocol errors that end on our page. A refused request
 * object comes with why (request-object-refusals.ts): the person is told whether signing in
 * again helps, or only the application's owner can mend it.
 */
export function explainProviderError(
  error: string,
  description: string | undefined,
  refusal: RequestObjectRefusal | null = null,
): { title: string; message: string } {
  switch (error) {
    case 'invalid_client':
    case 'unauthorized_client':
      return {
        title: 'This application is not registered',
        message:
          'The application that sent you here is not known to your organisation. Go back and try again, or tell the application’s owner.',
      };
    case 'invalid_redirect_uri':
      return {
        title: 'This application is not set up correctly',
        message:
          'The application asked to return you to an address it has not registered, so you were not sent back. Tell the application’s owner.',
      };
    case 'session_not_found':
    case 'invalid_request':
      if (description?.includes('interaction')) {
        return {
          title: 'This sign-in has expired',
          message: 'The sign-in took too long or was opened in another browser. Go back to the application and sign in again.',
        };
      }
      return {
        title: 'This sign-in request is not valid',
        message: 'Go back to the application and sign in again. If it keeps happening, tell the application’s owner.',
      };
    case 'invalid_request_object':
      return explainRequestObjectRefusal(refusal ?? REQUEST_OBJECT_REFUSAL.unverified);
    case 'invalid_scope':
      // Mostly a request without the openid scope (oidc/openid-scope.ts): the application asks
      // in a way that would get no device verdict, so only its owner can mend it.
      return {
        title: 'This application is not set up correctly',
        message:
          'The application asked to sign you in without OpenID Connect (the “openid” scope), so it could not learn whether this device is trusted, and the sign-in was not started. Signing in again will not help: tell the application’s owner or your IT team. The details below are for them.',
      };
    default:
      return { title: 'Something went wrong', message: 'The sign-in could not be completed. Go back to the application and try again.' };
  }
}

function explainRequestObjectRefusal(refusal: RequestObjectRefusal): { title: string; message: string } {
  switch (refusal) {
    case REQUEST_OBJECT_REFUSAL.reused:
      // A request object is accepted once (oidc/request-objects.ts): loading the same signed URL
      // again (Back, a refresh) is reuse, not tampering, and must not read as an attack.
      return {
        title: 'This sign-in link was already used',
        message:
          'Each sign-in link from the application works once, and this one was opened before (going back or reloading opens it again). Go back to the application and sign in again.',
      };
    case REQUEST_OBJECT_REFUSAL.expired:
      return {
        title: 'This sign-in link has expired',
        message:
          'Sign-in links from the application work for a few minutes only, and this one is older. Go back to the application and start the sign-in again there.',
      };
    case REQUEST_OBJECT_REFUSAL.builtWrongly:
      // Signing in again sends the same kind of request: only the application's owner can help.
      return {
        title: 'This application is not set up correctly',
        message:
          'The application built this sign-in request in a way your organisation does not accept, so signing in again will not help. Tell the application’s owner or your IT team: the application has to be fixed. The details below are for them.',
      };
    case REQUEST_OBJECT_REFUSAL.unverified:
      return {
        title: 'This sign-in request was changed on the way',
        message:
          'The application signed this sign-in request, and it no longer matches its signature, so it was not used. Go back to the application and sign in again. If this happens at every sign-in, the application may be signing with an old client secret: tell its owner or your IT team.',
      };
  }
}
