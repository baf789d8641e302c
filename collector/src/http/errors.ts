import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import { isTransientDbFault } from '../services/health.js';
import type { DbFaultMonitor } from '../services/health.js';

/**
 * The one error handler: AppErrors become `{"error": {code, message, field?}}` with their
 * status; anything else is a 500 that says nothing internal and is logged with its stack.
 */
export function errorHandler(log: Logger, faults?: DbFaultMonitor) {
  return async function handleErrors(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new AppError(404, 'NOT_FOUND', `no route for ${ctx.method} ${ctx.path}`);
      // The routers' allowedMethods answer these with a bare status and an Allow header.
      if (ctx.status === 405 && ctx.body === undefined)
        throw new AppError(405, 'METHOD_NOT_ALLOWED', `${ctx.method} is not allowed on ${ctx.path}`);
      if (ctx.status === 501 && ctx.body === undefined) throw new AppError(501, 'NOT_IMPLEMENTED', `${ctx.method} is not implemented`);
    } catch (error) {
      const appError =
        error instanceof AppError
          ? error
          : (error as { status?: number; expose?: boolean }).expose === true
            ? new AppError((error as { status: number }).status, 'BAD_REQUEST', (error as Error).message)
            : null;
      if (appError) {
        ctx.status = appError.status;
        ctx.body = { error: { code: appError.code, message: appError.message, ...(appError.field ? { field: appError.field } : {}) } };
        // The scheme the route asked for (the transaction API's Basic), else the admin API's.
        if (appError.status === 401 && !ctx.response.get('WWW-Authenticate')) ctx.set('WWW-Authenticate', 'Bearer');
        const retryAfter = (appError as { retryAfterSeconds?: number }).retryAfterSeconds;
        if (retryAfter !== undefined) ctx.set('Retry-After', String(retryAfter));
        return;
      }
      // The database failing (read-only, full, down) is a 503 to retry, logged once with its
      // cause by the fault monitor, not a 500 and an error line per request.
      if (isTransientDbFault(error)) {
        faults?.failed(error, 'http request');
        ctx.status = 503;
        ctx.set('Retry-After', '15');
        ctx.body = { error: { code: 'DATABASE_UNAVAILABLE', message: 'the database cannot be used right now; retry later' } };
        return;
      }
      log.error({ err: error, method: ctx.method, path: ctx.path }, 'request failed');
      ctx.status = 500;
      ctx.body = { error: { code: 'INTERNAL', message: 'internal error' } };
    }
  };
}
