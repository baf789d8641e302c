import type { Context, Next } from 'koa';
import { AppError } from '../errors.js';
import type { Mount } from '../http/app.js';
import { COLLECTOR_VERSION } from '../version.js';
import { assetsDirectory, loadAssets, type Asset } from './assets.js';
import { consoleSession } from './session.js';

const MOUNT_PATH = '/console';

/** Stricter than nothing, looser than the global default-src 'none': the console loads its own files and calls its own API. */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/** Versioned asset URLs never change content, so browsers may keep them for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

function send(ctx: Context, asset: Asset, cacheControl: string): void {
  ctx.set('Cache-Control', cacheControl);
  ctx.set('ETag', asset.etag);
  ctx.type = asset.type;
  ctx.status = 200;
  // Koa compares If-None-Match with the ETag set above.
  if (ctx.fresh) {
    ctx.status = 304;
    return;
  }
  ctx.body = asset.body;
}

/**
 * The admin web console at /console: a static single-page app (plain ES modules) that is a
 * client of the admin REST API. Assets are read once at start-up and served from memory.
 */
export function consoleMount(): Mount {
  return function mountConsole(app, services) {
    const bundle = loadAssets(assetsDirectory(), MOUNT_PATH, COLLECTOR_VERSION);
    const session = consoleSession(services);
    const versionedPrefix = `${MOUNT_PATH}/assets/${bundle.version}/`;

    app.use(async function serveConsole(ctx: Context, next: Next) {
      if (ctx.path !== MOUNT_PATH && !ctx.path.startsWith(`${MOUNT_PATH}/`)) return next();
      // Replaces the global CSP for console responses only (error bodies included).
      ctx.set('Content-Security-Policy', CONSOLE_CSP);
      if (ctx.path === `${MOUNT_PATH}/session`) {
        if (ctx.method !== 'GET') throw methodNotAllowed(ctx, 'GET');
        return session(ctx);
      }
      if (ctx.method !== 'GET' && ctx.method !== 'HEAD') throw methodNotAllowed(ctx, 'GET, HEAD');
      if (ctx.path === MOUNT_PATH) {
        ctx.redirect(`${MOUNT_PATH}/`);
        return;
      }
      if (ctx.path === `${MOUNT_PATH}/` || ctx.path === `${MOUNT_PATH}/index.html`) return send(ctx, bundle.index, 'no-cache');
      if (ctx.path.startsWith(versionedPrefix)) {
        const asset = bundle.files.get(ctx.path.slice(versionedPrefix.length));
        if (asset) return send(ctx, asset, IMMUTABLE);
      }
      // Unknown files and other versions' URLs (a node running another release) are 404s, never guesses.
      throw new AppError(404, 'NOT_FOUND', `no console file at ${ctx.path}`);
    });
  };
}

function methodNotAllowed(ctx: Context, allow: string): AppError {
  ctx.set('Allow', allow);
  return new AppError(405, 'METHOD_NOT_ALLOWED', `${ctx.method} is not allowed here`);
}
