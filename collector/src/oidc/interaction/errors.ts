import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import type { TooManyRequests } from '../../limits/rate-limiter.js';
import { errorPage } from '../pages/error-page.js';
import { contentSecurityPolicy, newNonce, type Branding, type PageSecurity } from '../pages/layout.js';

/**
 * An interaction that cannot continue, told in plain words. `code` is stable for the
 * JSON (polling) answer; title and message are for the person in front of the page.
 */
export class PromptError extends Error {
  readonly expose = true;
  /** Sent as Retry-After (a 429). */
  retryAfterSeconds: number | null = null;
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    message: string,
    readonly detail: string | null = null,
  ) {
    super(message);
    this.name = 'PromptError';
  }
}

export const interactionGone = (detail: string): PromptError =>
  new PromptError(
    400,
    'INTERACTION_NOT_FOUND',
    'This sign-in has expired',
    'The sign-in took too long, already finished, or was opened in another browser. Go back to the application and sign in again.',
    detail,
  );

/** A rate limit met on the way into a sign-in, told as a page (and Retry-After). */
export function tooManySignIns(limited: TooManyRequests): PromptError {
  const error = new PromptError(
    429,
    'RATE_LIMITED',
    'Too many sign-ins right now',
    `Too many sign-ins were started from here or for this application in the last minute. Wait ${limited.retryAfterSeconds} seconds, then go back to the application and sign in again.`,
    limited.message,
  );
  error.retryAfterSeconds = limited.retryAfterSeconds;
  return error;
}

/**
 * The interaction routes' one error handler: an HTML page for people, JSON for the page's
 * polling; anything unexpected is logged and answered without internals.
 */
export function renderPromptErrors(log: Logger, branding: Branding, security: () => PageSecurity) {
  return async function handlePromptErrors(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
    } catch (error) {
      let known: PromptError;
      if (error instanceof PromptError) known = error;
      else if ((error as { name?: string }).name === 'SessionNotFound') known = interactionGone((error as Error).message);
      else {
        log.error({ err: error, path: ctx.path }, 'prompt failed');
        known = new PromptError(
          500,
          'INTERNAL',
          'Something went wrong',
          'The device check could not be completed. Go back to the application and try again.',
        );
      }
      ctx.status = known.status;
      if (known.retryAfterSeconds !== null) ctx.set('Retry-After', String(known.retryAfterSeconds));
      if (ctx.accepts('html', 'json') === 'json') {
        ctx.body = { error: { code: known.code, message: known.message } };
        return;
      }
      const nonce = newNonce();
      ctx.set('Content-Security-Policy', contentSecurityPolicy(nonce, security()));
      ctx.type = 'html';
      ctx.body = errorPage({ nonce, branding, title: known.title, message: known.message, detail: known.detail });
    }
  };
}
