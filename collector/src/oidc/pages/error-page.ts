import { REQUEST_OBJECT_REUSED } from '../request-objects.js';
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

/** Plain words for the provider's protocol errors that end on our page. */
export function explainProviderError(error: string, description: string | undefined): { title: string; message: string } {
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
      // A request object is accepted once (oidc/request-objects.ts): loading the same signed URL
      // again (Back, a refresh) is reuse, not tampering, and must not read as an attack.
      if (description?.includes(REQUEST_OBJECT_REUSED)) {
        return {
          title: 'This sign-in link was already used',
          message:
            'Each sign-in link from the application works once, and this one was opened before (going back or reloading opens it again). Go back to the application and sign in again.',
        };
      }
      return {
        title: 'This sign-in request was changed on the way',
        message:
          'The application signed this sign-in request, and it no longer matches its signature, so it was not used. Go back to the application and sign in again.',
      };
    default:
      return { title: 'Something went wrong', message: 'The sign-in could not be completed. Go back to the application and try again.' };
  }
}
