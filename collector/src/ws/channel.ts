import { newSessionKeyPair } from '@devtrust/shared/crypto';
import type { IncomingMessage, Server } from 'node:http';
import { clientAddress } from '../http/client-address.js';
import type { Duplex } from 'node:stream';
import { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { DbFaultMonitor } from '../services/health.js';
import { WebSocketServer, type WebSocket } from 'ws';
import { AGENT_CHANNEL_PATH, LIMITS, type ChannelErrorCode } from '@devtrust/shared/protocol';
import type { ConnectionLimits } from '../config/config.js';
import type { AttestationLimits } from '../limits/abuse-limits.js';
import { RateLimiter, type RateLimit } from '../limits/rate-limiter.js';
import type { EndpointService } from '../services/endpoints.js';
import type { SettingsService } from '../services/settings.js';
import type { TransactionService } from '../services/transactions.js';
import type { VerdictService } from '../services/verdicts.js';
import { ReportWriter } from './report-writer.js';
import { AgentSession, type SessionDeps } from './session.js';
import { addressKey } from '../limits/address-key.js';

/** What a client refused for too many open sockets is told to wait. */
const RETRY_FULL_SEC = 30;
/** How long a refused upgrade's socket may stay open after its answer (refuseUpgrade). */
const REFUSED_LINGER_MS = 2_000;

/**
 * The agent channel: one WebSocket per agent at /agent/v1 on the collector's port. Limits
 * are enforced by `ws` where bytes arrive (maxPayload → close 1009); browsers (an Origin
 * header) are refused; dead peers are found by ping/pong and dropped.
 */
export class AgentChannel {
  private readonly wss: WebSocketServer;
  private readonly sessions = new Map<string, Set<AgentSession>>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly alive = new WeakMap<WebSocket, boolean>();
  private readonly log: Logger;
  private readonly reports: ReportWriter;
  /** X25519 key for session MACs, fresh per process (crypto/session-mac.ts). */
  private readonly sessionKeys = newSessionKeyPair();
  /** Open sockets per peer address, for the per-address cap. */
  private readonly perAddress = new Map<string, number>();
  /** Sessions that have not enrolled or authenticated yet (→ their address), for the caps on them. */
  private readonly unauthenticated = new Map<AgentSession, string>();
  private readonly unauthenticatedFrom = new Map<string, number>();
  /** Enrollments per client address: each one adds an endpoint, and the key is shared by a whole fleet. */
  private readonly enrollments: RateLimiter | null;
  /** What every session is given: one object for all of them, none per socket. */
  private readonly sessionDeps: SessionDeps;
  /** The pong listener of every socket (`this` is the socket): one function, not a closure per socket. */
  private readonly markAlive: (this: WebSocket) => void;

  constructor(
    server: Server,
    private readonly deps: {
      endpoints: EndpointService;
      transactions: TransactionService;
      settings: SettingsService;
      verdicts: VerdictService;
      log: Logger;
      heartbeatMs?: number;
      attestationLimits?: AttestationLimits;
      /** Null or absent: enrollments are not limited. */
      enrollmentLimit?: RateLimit | null;
      /** What agents are told to wait while the database cannot store their reports. */
      retryAfterSec?: number;
      faults: DbFaultMonitor;
      /** Caps on open sockets; absent: none. */
      connectionLimits?: ConnectionLimits;
      /**
       * Behind a trusted proxy (DEVTRUST_TRUST_PROXY): a socket's address is the last
       * X-Forwarded-For entry, not the proxy's, for every per-address cap and limit.
       */
      trustProxy?: boolean;
    },
  ) {
    this.log = deps.log.child({ component: 'agent-channel' });
    this.reports = new ReportWriter(deps.endpoints);
    this.enrollments = deps.enrollmentLimit ? new RateLimiter(deps.enrollmentLimit) : null;
    this.wss = new WebSocketServer({ noServer: true, maxPayload: LIMITS.maxFrameBytes, perMessageDeflate: false });
    const alive = this.alive;
    this.markAlive = function markAlive(this: WebSocket) {
      alive.set(this, true);
    };
    this.sessionDeps = {
      endpoints: deps.endpoints,
      transactions: deps.transactions,
      settings: deps.settings,
      reports: this.reports,
      verdicts: deps.verdicts,
      log: this.log,
      attestationLimits: deps.attestationLimits ?? null,
      // The client's address (http/client-address.ts): the socket's peer, or behind a trusted
      // proxy the address it appended. Behind NAT a whole site shares one.
      admitEnrollment: (address) => {
        const taken = this.enrollments?.take(address) ?? { ok: true };
        if (!taken.ok) this.log.warn({ address }, 'enrollment refused: too many from this address');
        return taken;
      },
      retryAfterSec: deps.retryAfterSec ?? 15,
      faults: deps.faults,
      sessionKeys: this.sessionKeys,
      onAuthenticated: (id, session) => {
        this.authenticatedNow(session);
        this.sessions.set(id, (this.sessions.get(id) ?? new Set()).add(session));
      },
      onClosed: (id, session) => this.closed(id, session),
    };
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = (req.url ?? '').split('?')[0];
      if (path !== AGENT_CHANNEL_PATH) {
        refuseUpgrade(socket, 'HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
        return;
      }
      // What the per-address caps and limits count: an IPv6 client by its /64 (limits/address-key.ts).
      const address = addressKey(clientAddress(req, this.deps.trustProxy ?? false));
      const full = this.full(address);
      if (full) {
        // Refused before the WebSocket exists: a flood of sockets costs a few bytes each.
        this.log.warn({ address, cap: full }, 'agent connection refused: too many open');
        refuseUpgrade(
          socket,
          `HTTP/1.1 503 Service Unavailable\r\nRetry-After: ${RETRY_FULL_SEC}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\ntoo many connections (${full})`,
        );
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req, address));
    });
    this.heartbeat = setInterval(() => this.sweep(), deps.heartbeatMs ?? 30_000);
    this.heartbeat.unref();
  }

  get connectedEndpoints(): number {
    return this.sessions.size;
  }

  get connections(): number {
    return this.wss.clients.size;
  }

  isConnected(endpointId: string): boolean {
    return this.sessions.has(endpointId);
  }

  /** Ends every session of an endpoint (forgotten or revoked). */
  disconnect(endpointId: string, code: ChannelErrorCode): void {
    for (const session of this.sessions.get(endpointId) ?? []) session.close(code);
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const ws of this.wss.clients) ws.close(1001, 'collector shutting down');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    for (const ws of this.wss.clients) ws.terminate();
  }

  /** Which cap a new socket from `address` would pass, or null when there is room. */
  private full(address: string): string | null {
    const caps = this.deps.connectionLimits;
    if (!caps) return null;
    if (caps.total !== null && this.wss.clients.size >= caps.total) return 'in total';
    if (caps.perAddress !== null && (this.perAddress.get(address) ?? 0) >= caps.perAddress) return 'from this address';
    if (caps.unauthenticated !== null) {
      if (this.unauthenticated.size >= caps.unauthenticated) return 'not yet authenticated';
      // One address may hold a quarter of the places at most: a single flooder cannot take
      // them all and keep every agent out (a NAT's agents authenticate within milliseconds).
      const fromAddress = this.unauthenticatedFrom.get(address) ?? 0;
      if (fromAddress >= Math.max(1, Math.floor(caps.unauthenticated / 4))) return 'not yet authenticated, from this address';
    }
    return null;
  }

  /**
   * `address`: the client's, read from `req` once, at the upgrade. Nothing kept for the
   * session's life may hold `req` (its headers, about 1 kB a socket).
   */
  private accept(ws: WebSocket, req: IncomingMessage, address: string): void {
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    this.alive.set(ws, true);
    ws.on('pong', this.markAlive);
    const session = new AgentSession(ws, this.sessionDeps, address);
    if (ws.readyState === ws.OPEN) {
      this.unauthenticated.set(session, address);
      this.unauthenticatedFrom.set(address, (this.unauthenticatedFrom.get(address) ?? 0) + 1);
    }
    // Agents are not browsers: a page must never drive the channel with a user's cookies.
    if (req.headers.origin !== undefined) session.close('ORIGIN_REFUSED');
  }

  /** A session's socket closed: it no longer counts against its address, nor as its endpoint's. */
  private closed(endpointId: string | null, session: AgentSession): void {
    const left = (this.perAddress.get(session.address) ?? 1) - 1;
    if (left > 0) this.perAddress.set(session.address, left);
    else this.perAddress.delete(session.address);
    this.authenticatedNow(session);
    if (endpointId === null) return;
    const set = this.sessions.get(endpointId);
    set?.delete(session);
    if (set?.size === 0) this.sessions.delete(endpointId);
  }

  /** The session no longer counts as unauthenticated (it authenticated, or it closed). */
  private authenticatedNow(session: AgentSession): void {
    const address = this.unauthenticated.get(session);
    if (address === undefined) return;
    this.unauthenticated.delete(session);
    const left = (this.unauthenticatedFrom.get(address) ?? 1) - 1;
    if (left > 0) this.unauthenticatedFrom.set(address, left);
    else this.unauthenticatedFrom.delete(address);
  }

  private sweep(): void {
    for (const ws of this.wss.clients) {
      if (this.alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      this.alive.set(ws, false);
      ws.ping();
    }
  }
}

/**
 * Answers an upgrade request we refuse and closes its socket. Once Node emits 'upgrade', the
 * socket is ours: Node's HTTP server no longer listens for its errors, and `ws` does only for
 * the sockets handed to `handleUpgrade`. A client that resets the connection while the answer
 * is being written (a flood does) would otherwise raise an unhandled 'error' and end the process.
 */
function refuseUpgrade(socket: Duplex, answer: string): void {
  socket.on('error', ignoreSocketError);
  socket.end(answer);
  // A client that never closes its side would hold the descriptor: a refused flood is what
  // the refusal is for. Two seconds is long enough to read a few hundred bytes.
  if (socket instanceof Socket) socket.setTimeout(REFUSED_LINGER_MS, () => socket.destroy());
}

/** The refused client went away; there is nothing to tell it or anyone else. */
function ignoreSocketError(): void {}
