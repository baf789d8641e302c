import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { sessionMacKey, verifyMac, verifyPayloadAsync, type SessionKeyPair } from '@devtrust/shared/crypto';
import {
  CHANNEL_ERRORS,
  ChannelError,
  LIMITS,
  PROTOCOL_VERSION,
  parseAgentFrame,
  signedPayloadOf,
  unavailableCloseReason,
  unsafeTransactionField,
  type AgentMessage,
  type AttestMessage,
  type AuthMessage,
  type ChannelErrorCode,
  type CheckMessage,
  type DescribeMessage,
  type EnrollMessage,
  type ReportMessage,
  type ServerMessage,
} from '@devtrust/shared/protocol';
import type { AttestationLimits } from '../limits/abuse-limits.js';
import { TooManyRequests } from '../limits/rate-limiter.js';
import type { Take } from '../limits/rate-limiter.js';
import type { EndpointService } from '../services/endpoints.js';
import type { SettingsService } from '../services/settings.js';
import type { TransactionService } from '../services/transactions.js';
import type { VerdictService } from '../services/verdicts.js';
import type { Endpoint, EndpointCredentials } from '../domain/endpoint.js';
import { MAX_USERNAME_LENGTH, usernameOrNull } from '../domain/user.js';
import { isTransientDbFault, type DbFaultMonitor } from '../services/health.js';
import { reasonsForDevice } from '../policy/disclosure.js';
import type { ReportWriter } from './report-writer.js';

export interface SessionDeps {
  endpoints: EndpointService;
  transactions: TransactionService;
  settings: SettingsService;
  reports: ReportWriter;
  verdicts: VerdictService;
  log: Logger;
  attestationLimits: AttestationLimits | null;
  /** Counts one enrollment attempt from this address against its limit. */
  admitEnrollment(address: string): Take;
  /** While the database fails, agents are closed with UNAVAILABLE and told to wait this long. */
  retryAfterSec: number;
  /** Database faults: logged once with a count (see services/health.ts). */
  faults: DbFaultMonitor;
  /** This collector's X25519 key for session MACs (one per process; each session's key also depends on the agent's offer and the nonce). */
  sessionKeys: SessionKeyPair;
  onAuthenticated(endpointId: string, session: AgentSession): void;
  onClosed(endpointId: string | null, session: AgentSession): void;
}

/** Largest amount of unsent data we queue for one agent before giving up on it. */
const MAX_BUFFERED = 1024 * 1024;
/**
 * Frames received and not yet handled, at most (256 frames of 64 kB: 16 MB). An agent waits
 * for each report's ack and has a few requests in flight; a peer streaming frames faster than
 * they are checked and stored would otherwise have all of them held in memory.
 */
const MAX_WAITING_FRAMES = 256;

/**
 * One agent's WebSocket session: hello (with a fresh nonce) → enroll or auth → signed
 * reports and attestations. Frames are handled strictly in order; any protocol error
 * sends an `error` frame and closes with the code's close code.
 */
export class AgentSession {
  readonly nonce = randomBytes(32).toString('base64url');
  /** Only the id: a session lives for days, and the stored report and verdict would be kilobytes per agent. */
  endpoint: Pick<Endpoint, 'id'> | null = null;
  /**
   * The endpoint's public key as stored (tens of bytes), from authentication on. Decoded for
   * each signed frame (about 5 µs beside a 65 µs check), never kept decoded: a decoded key
   * holds about 1.5 kB outside V8's heap, and a session lives for days (20,000 agents: 29 MB).
   */
  private publicKey: string | null = null;
  /** The agent's session-key offer (signed with its auth), and the MAC key, derived at the first MAC'd report. */
  private agentSessionKey: string | null = null;
  private macKey: Buffer | null = null;
  /**
   * Whether this session logged its agent's unusable user once already: an agent reports every
   * few minutes, and one stuck on such a name would otherwise write the same warning each time
   * (a fleet of them, a line per report).
   */
  private unusableUserLogged = false;
  private queue: Promise<void> = Promise.resolve();
  private waiting = 0;
  /** Until the agent authenticates; dropped then, not kept cleared for the session's life. */
  private authTimer: NodeJS.Timeout | null;
  private closed = false;

  /**
   * `deps` is one object for every session of the channel: what a session holds for days is
   * only its own state (about 1 kB of V8 heap above a bare `ws` socket's 2.8 kB, see
   * docs/performance.md#sessions). `address`: the agent's socket address (the per-address
   * attestation and enrollment budgets).
   */
  constructor(
    private readonly ws: WebSocket,
    private readonly deps: SessionDeps,
    readonly address: string,
  ) {
    this.authTimer = setTimeout(() => this.fail(new ChannelError('AUTH_TIMEOUT')), LIMITS.authTimeoutMs);
    ws.on('message', (data, isBinary) => {
      if (this.closed) return; // nothing more is handled: not worth holding
      if (++this.waiting > MAX_WAITING_FRAMES) {
        this.fail(
          new ChannelError('MESSAGE_RATE_LIMITED', `more than ${MAX_WAITING_FRAMES} frames waiting: send the next after the answer`),
        );
        return;
      }
      const text = isBinary ? null : (data as Buffer).toString('utf8');
      // Frames are handled one at a time, in order. With none waiting (an agent sends its
      // next report after the ack), this one starts at once rather than through the chain.
      this.queue = this.waiting === 1 ? this.handleFrame(text) : this.queue.then(() => this.handleFrame(text));
    });
    ws.on('close', () => {
      this.closed = true;
      this.stopAuthTimer();
      deps.onClosed(this.endpoint?.id ?? null, this);
    });
    ws.on('error', (error) => deps.log.debug({ err: error }, 'agent socket error'));
    this.send({ type: 'hello', v: PROTOCOL_VERSION, nonce: this.nonce, maxFrameBytes: LIMITS.maxFrameBytes });
  }

  /** Ends the session from outside (endpoint forgotten, shutdown). */
  close(code: ChannelErrorCode, message?: string): void {
    this.fail(new ChannelError(code, message));
  }

  /** Handles one frame (null: a binary one), then counts it as no longer waiting. */
  private async handleFrame(text: string | null): Promise<void> {
    try {
      if (text === null) this.fail(new ChannelError('MALFORMED_FRAME', 'binary frames are not accepted'));
      else await this.handle(text);
    } finally {
      this.waiting--;
    }
  }

  private async handle(text: string): Promise<void> {
    if (this.closed) return;
    try {
      const message = parseAgentFrame(text);
      await this.dispatch(message);
    } catch (error) {
      if (error instanceof ChannelError) {
        if (error.code in CHANNEL_ERRORS) this.fail(error);
        else this.send({ type: 'error', code: error.code, message: error.message });
        return;
      }
      // A database fault is logged once, with its cause and a count, by the store's fault
      // monitor; the agent is told when to come back instead of retrying at once.
      if (isTransientDbFault(error)) {
        this.deps.faults.failed(error, 'agent message');
        const wait = this.deps.retryAfterSec;
        this.fail(
          new ChannelError('UNAVAILABLE', `the collector cannot store reports right now; retry in ${wait} s`),
          unavailableCloseReason(wait),
        );
        return;
      }
      this.deps.log.error({ err: error }, 'agent message failed');
      this.fail(new ChannelError('INTERNAL'));
    }
  }

  private dispatch(message: AgentMessage): Promise<void> {
    switch (message.type) {
      case 'enroll':
        return this.enroll(message);
      case 'auth':
        return this.auth(message);
      case 'report':
        return this.report(message);
      case 'attest':
        return this.attest(message);
      case 'describe':
        return this.describe(message);
      case 'check':
        return this.check(message);
    }
  }

  private async enroll(message: EnrollMessage): Promise<void> {
    if (this.endpoint) throw new ChannelError('OUT_OF_ORDER', 'this session is already authenticated');
    // Counted before the key is checked: the limit slows guessing the key as well as floods.
    const admitted = this.deps.admitEnrollment(this.address);
    if (!admitted.ok) {
      const seconds = Math.ceil(admitted.retryAfterMs / 1000);
      throw new ChannelError('ENROLLMENT_RATE_LIMITED', `too many enrollments from this address; retry in ${seconds} s`);
    }
    if (!(await this.deps.settings.enrollmentKeyMatches(message.enrollmentKey))) throw new ChannelError('ENROLLMENT_KEY_INVALID');
    if (!(await verifyPayloadAsync(message.publicKey, signedPayloadOf(message, { nonce: this.nonce }), message.signature))) {
      throw new ChannelError('BAD_SIGNATURE', 'the enrollment is not signed by the key it presents');
    }
    const endpoint = await this.deps.endpoints.enroll(message.publicKey, message.keyKind ?? 'software');
    this.deps.log.info({ endpointId: endpoint.id, keyKind: endpoint.keyKind }, 'endpoint enrolled');
    this.send({ type: 'enrolled', endpointId: endpoint.id });
    this.authenticated(endpoint, message.sessionKey);
  }

  private async auth(message: AuthMessage): Promise<void> {
    if (this.endpoint) throw new ChannelError('OUT_OF_ORDER', 'this session is already authenticated');
    // Only what authenticating needs: after a restart the whole fleet does this at once.
    const endpoint = await this.deps.endpoints.credentials(message.endpointId);
    if (!endpoint) throw new ChannelError('ENDPOINT_UNKNOWN');
    if (
      !(await verifyPayloadAsync(
        endpoint.publicKey,
        signedPayloadOf(message, { nonce: this.nonce, endpointId: endpoint.id }),
        message.signature,
      ))
    ) {
      throw new ChannelError('BAD_SIGNATURE');
    }
    this.authenticated(endpoint, message.sessionKey);
  }

  private authenticated(endpoint: EndpointCredentials, sessionKey: string | undefined): void {
    // The socket may have closed (or timed out) while the signature was checked on the
    // thread pool: registered now, the session would stay in the channel's map for good
    // (the endpoint shown connected, a session object kept per dropped socket).
    this.stillOpen();
    this.stopAuthTimer();
    this.endpoint = { id: endpoint.id };
    this.publicKey = endpoint.publicKey;
    this.agentSessionKey = sessionKey ?? null;
    this.deps.onAuthenticated(endpoint.id, this);
    this.send({
      type: 'authenticated',
      endpointId: endpoint.id,
      lastSeq: endpoint.lastSeq,
      reportIntervalSec: LIMITS.reportIntervalSec,
      // Answered only to an agent that offered: an older agent refuses fields it does not know.
      ...(sessionKey ? { sessionKey: this.deps.sessionKeys.publicKey } : {}),
    });
  }

  /**
   * The session's MAC key, derived once, when the first MAC'd report arrives (the X25519
   * agreement costs more than one signature check: a fleet reconnecting at once does not
   * pay it at authentication, and agents sign their first report of a session).
   */
  private sessionMac(endpointId: string): Buffer {
    if (this.macKey) return this.macKey;
    if (!this.agentSessionKey) throw new ChannelError('BAD_SIGNATURE', 'a MAC needs a session key: offer one when authenticating');
    try {
      this.macKey = sessionMacKey(this.deps.sessionKeys.privateKey, this.agentSessionKey, {
        nonce: this.nonce,
        endpointId,
        agentKey: this.agentSessionKey,
        collectorKey: this.deps.sessionKeys.publicKey,
      });
    } catch {
      throw new ChannelError('BAD_SIGNATURE', 'the session key offered is not a usable X25519 key');
    }
    return this.macKey;
  }

  /**
   * The session's endpoint once the frame's signature checks out (verified off the event loop).
   * A report with a session MAC instead goes to `macEndpoint` (`report` decides).
   */
  private async requireEndpoint(message: ReportMessage | AttestMessage | DescribeMessage | CheckMessage): Promise<Pick<Endpoint, 'id'>> {
    const endpoint = this.authenticatedEndpoint();
    const payload = signedPayloadOf(message, { nonce: this.nonce, endpointId: endpoint.id });
    if (message.signature === undefined || !(await verifyPayloadAsync(this.publicKey as string, payload, message.signature))) {
      throw new ChannelError('BAD_SIGNATURE');
    }
    // Closed while the check ran (the endpoint forgotten, the socket dropped): act on nothing more.
    this.stillOpen();
    return endpoint;
  }

  /**
   * The session's endpoint once a report's session MAC checks out: checked here, on the event
   * loop (a few µs), so the usual report is handled without a turn through the thread pool.
   */
  private macEndpoint(message: ReportMessage & { mac: string }): Pick<Endpoint, 'id'> {
    const endpoint = this.authenticatedEndpoint();
    const payload = signedPayloadOf(message, { nonce: this.nonce, endpointId: endpoint.id });
    if (!verifyMac(this.sessionMac(endpoint.id), payload, message.mac))
      throw new ChannelError('BAD_SIGNATURE', 'the report MAC does not check out');
    return endpoint;
  }

  private authenticatedEndpoint(): Pick<Endpoint, 'id'> {
    const endpoint = this.endpoint;
    if (!endpoint || !this.publicKey) throw new ChannelError('OUT_OF_ORDER', 'authenticate before sending reports or attestations');
    return endpoint;
  }

  private stopAuthTimer(): void {
    if (this.authTimer) clearTimeout(this.authTimer);
    this.authTimer = null;
  }

  /** Stops a frame whose session closed while it was awaited (fail() then sends and closes nothing). */
  private stillOpen(): void {
    if (this.closed) throw new ChannelError('OUT_OF_ORDER', 'the session closed');
  }

  private async report(message: ReportMessage): Promise<void> {
    const endpoint =
      message.mac !== undefined ? this.macEndpoint(message as ReportMessage & { mac: string }) : await this.requireEndpoint(message);
    this.limitMessages('report', endpoint.id);
    // Kept (the rest of the report is good; the ack has no field for a warning), but stored as
    // no user (report-writes.ts): logged so an admin can tell why the endpoint shows none.
    if (!this.unusableUserLogged && message.report.user !== undefined && usernameOrNull(message.report.user) === null) {
      this.unusableUserLogged = true;
      this.deps.log.warn(
        { endpointId: endpoint.id, seq: message.seq, length: message.report.user.length },
        `report user longer than ${MAX_USERNAME_LENGTH} characters once lower-cased: stored as no user (said once a session)`,
      );
    }
    if (!(await this.deps.reports.write(endpoint.id, message.seq, message.report, Date.now()))) {
      if ((await this.deps.endpoints.get(endpoint.id)) === null) throw new ChannelError('ENDPOINT_UNKNOWN');
      throw new ChannelError('REPLAYED', `report sequence ${message.seq} is not newer than the last one`);
    }
    this.send({ type: 'ack', seq: message.seq });
  }

  private async attest(message: AttestMessage): Promise<void> {
    await this.requireEndpoint(message);
    const { endpoints, transactions, verdicts } = this.deps;
    // The endpoint (with who else reports its identifiers) and the transaction (with its user):
    // two statements, side by side on PostgreSQL's pool.
    const [device, read] = await Promise.all([
      endpoints.forDecision((this.endpoint as Pick<Endpoint, 'id'>).id),
      transactions.forDecision(message.transactionId),
    ]);
    if (!device) throw new ChannelError('ENDPOINT_UNKNOWN');
    const { endpoint } = device;
    const refuse = (code: 'TRANSACTION_UNKNOWN' | 'TRANSACTION_EXPIRED' | 'TRANSACTION_DECIDED' | 'RATE_LIMITED', text: string): void =>
      this.send({ type: 'error', code, message: text, transactionId: message.transactionId });
    try {
      this.deps.attestationLimits?.consume(endpoint.id, this.address);
    } catch (error) {
      if (error instanceof TooManyRequests) return refuse('RATE_LIMITED', error.message);
      throw error;
    }
    if (!read) return refuse('TRANSACTION_UNKNOWN', 'no such transaction');
    const tx = read.transaction;
    if (tx.state === 'expired') return refuse('TRANSACTION_EXPIRED', 'the transaction expired');
    if (tx.state === 'decided') return refuse('TRANSACTION_DECIDED', 'the transaction was already decided');
    const verdict = await verdicts.decideTransaction(tx, endpoint, { user: read.user, reporting: device.reporting });
    if (!verdict) return refuse('TRANSACTION_DECIDED', 'the transaction was already decided');
    this.send({ type: 'verdict', transactionId: tx.id, ...verdict });
  }

  /** Who a pending transaction is for, so the user can confirm before the agent attests. */
  private async describe(message: DescribeMessage): Promise<void> {
    await this.requireEndpoint(message);
    const { transaction: tx, application } = await this.deps.transactions.describe(message.transactionId);
    if (!tx || tx.state !== 'pending') {
      const code = !tx ? 'TRANSACTION_UNKNOWN' : tx.state === 'expired' ? 'TRANSACTION_EXPIRED' : 'TRANSACTION_DECIDED';
      this.send({ type: 'error', code, message: 'no pending transaction with that id', transactionId: message.transactionId });
      return;
    }
    const info = { application: application?.name ?? 'an application', username: tx.username };
    // Names are refused at the edge since this release; a row from before may still carry
    // a character that would let it pose as other text in the tray's confirmation.
    const unsafe = unsafeTransactionField(info);
    if (unsafe) {
      this.deps.log.warn({ transactionId: tx.id, field: unsafe.field, character: unsafe.character }, 'describe refused: unsafe text');
      this.send({
        type: 'error',
        code: 'TRANSACTION_UNSAFE',
        message: `the transaction's ${unsafe.field} contains ${unsafe.character}, a control or bidirectional character; it is not shown`,
        transactionId: tx.id,
      });
      return;
    }
    this.send({ type: 'transaction', transactionId: tx.id, ...info, expiresAt: new Date(tx.expiresAt).toISOString() });
  }

  /**
   * Whether this device is trusted now: the evaluation the console's endpoint list shows
   * (global policy, the last user's integrations, synced data only, so no vendor call per ask).
   */
  private async check(message: CheckMessage): Promise<void> {
    this.limitMessages('check', (await this.requireEndpoint(message)).id);
    const endpoint = await this.deps.endpoints.get((this.endpoint as Pick<Endpoint, 'id'>).id);
    if (!endpoint) throw new ChannelError('ENDPOINT_UNKNOWN');
    const evaluation = await this.deps.verdicts.evaluate(endpoint, endpoint.lastUser ?? '', null, { lookups: false });
    this.send({
      type: 'standing',
      verdict: evaluation.verdict,
      access: evaluation.access,
      reasons: reasonsForDevice(evaluation.reasons, endpoint.id),
      assurance: evaluation.assurance ?? null,
    });
  }

  /** Closes the session (4429) when this agent is over its report or check budget. */
  private limitMessages(kind: 'report' | 'check', endpointId: string): void {
    try {
      this.deps.attestationLimits?.message(kind, endpointId);
    } catch (error) {
      if (error instanceof TooManyRequests) throw new ChannelError('MESSAGE_RATE_LIMITED', error.message);
      throw error;
    }
  }

  private send(message: ServerMessage): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    if (this.ws.bufferedAmount > MAX_BUFFERED) {
      this.ws.terminate(); // a peer that does not read cannot hold our memory
      return;
    }
    this.ws.send(JSON.stringify(message));
  }

  private fail(error: ChannelError, reason: string = error.code): void {
    if (this.closed) return;
    const spec = CHANNEL_ERRORS[error.code as ChannelErrorCode] ?? CHANNEL_ERRORS.INTERNAL;
    this.send({ type: 'error', code: error.code, message: error.message });
    this.closed = true;
    this.stopAuthTimer();
    this.ws.close(spec.close, reason);
  }
}
