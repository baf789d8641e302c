import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { Context, Next } from 'koa';

/**
 * The client's address: the socket's peer, or behind a trusted proxy (DEVTRUST_TRUST_PROXY) the
 * last `X-Forwarded-For` entry, the one that proxy appended itself. Anything before it is what
 * the client sent, so it is never read. One rule for both ways in: the agent channel's upgrade
 * requests (which Koa does not see) and, through clientAddressOf, every HTTP route.
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const peer = canonical(req.socket.remoteAddress ?? 'unknown');
  if (!trustProxy) return peer;
  const header = req.headers['x-forwarded-for'];
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!value) return peer;
  const last = value.slice(value.lastIndexOf(',') + 1).trim();
  // Only an address: the proxy appends one, and a limiter keyed on arbitrary text would let a
  // client that reaches the collector directly make each key as long as a header. `isIP` also
  // takes an IPv6 zone (`fe80::1%` and any text after it), which no proxy appends: refused.
  return isIP(last) && !last.includes('%') ? canonical(last) : peer;
}

/**
 * The address as the admin log and the logs show it: an IPv4 address as a dual-stack socket or
 * a proxy may write it (`::ffff:192.0.2.1`) is the IPv4 address, and IPv6 is lower case. What a
 * per-address limit counts (every spelling, an IPv6 /64) is limits/address-key.ts's.
 */
function canonical(address: string): string {
  const lower = address.toLowerCase();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(lower);
  return mapped?.[1] ?? lower;
}

/**
 * Sets `ctx.ip` by clientAddress, before anything reads it: Koa's own reading (`proxy` with
 * `maxIpsCount: 1`) takes the last X-Forwarded-For entry whatever it is, so any text a client
 * reaching the collector directly sends would key the per-address limits and land in the admin
 * log. Everything downstream (limiters, admin log actor, oidc-provider) reads `ctx.ip`.
 */
export function clientAddressOf(trustProxy: boolean) {
  return async function setClientAddress(ctx: Context, next: Next): Promise<void> {
    ctx.request.ip = clientAddress(ctx.req, trustProxy);
    await next();
  };
}
