import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/**
 * The client's address: the socket's peer, or behind a trusted proxy (DEVTRUST_TRUST_PROXY) the
 * last `X-Forwarded-For` entry, the one that proxy appended itself. Anything before it is what
 * the client sent, so it is never read. For the agent channel's upgrade requests, which Koa
 * does not see: its per-address caps and limits must count each agent, not the proxy. The
 * HTTP routes get the same entry from Koa (`ctx.ip` with `proxy` and `maxIpsCount: 1`), which
 * takes it whether or not it is an address.
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  if (!trustProxy) return peer;
  const header = req.headers['x-forwarded-for'];
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!value) return peer;
  const last = value.slice(value.lastIndexOf(',') + 1).trim();
  // Only an address: the proxy appends one, and a limiter keyed on arbitrary text would let a
  // client that reaches the collector directly make each key as long as a header.
  return isIP(last) ? last : peer;
}
