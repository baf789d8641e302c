import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import { macPayload, mdmAssertionProof, newSessionKeyPair, sessionMacKey, type SessionKeyPair } from '@devtrust/shared/crypto';
// The protocol's modules one by one, not its barrel: the barrel loads zod (docs/performance.md).
import type {
  AgentMessage,
  Report,
  ServerMessage,
  Standing,
  TransactionInfo,
  UnsignedAgentMessage,
  VerdictMessage,
} from '@devtrust/shared/protocol';
import { retryAfterOf } from '@devtrust/shared/protocol/errors';
import { AGENT_CHANNEL_PATH, LIMITS, PROTOCOL_VERSION } from '@devtrust/shared/protocol/limits';
import { parseServerFrame } from '@devtrust/shared/protocol/server-frame';
import { signedPayloadOf } from '@devtrust/shared/protocol/signing';
import { unsafeTransactionField } from '@devtrust/shared/protocol/transaction-text';
import { SoftwareKeyStore, type DeviceKey } from '../keys/device-key.js';
import type { KeyStore } from '../keys/key-store.js';
import { openDeviceKey, type DeviceKeyStores } from '../keys/select-device-key.js';
import { collectorAddress } from '../config/collector-url.js';
import type { AgentState, StateFile } from './state.js';
import { backoffDelay, retryAfterDelay } from './backoff.js';
import { EnrolledElsewhereError } from './enrolled-elsewhere.js';
import { planEnrollment, stateAfter } from './enrollment-plan.js';

export type LinkStatus = 'connecting' | 'connected' | 'offline' | 'refused' | 'stopped';

export class LinkError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'LinkError';
  }
}

export interface AgentLinkOptions {
  collectorUrl: string;
  /** Earlier URLs of this collector whose enrollment carries over to `collectorUrl` (enrollment-plan.ts). */
  previousCollectorUrls?: readonly string[];
  enrollmentKey: string | null;
  /** Where a software key's secret lives (when `deviceKeys` is not given, the only store). */
  keyStore: KeyStore;
  /** The device key stores to choose from (select-device-key.ts); default: software in `keyStore`. */
  deviceKeys?: DeviceKeyStores;
  stateFile: StateFile;
  log: Logger;
  backoff?: { baseMs: number; capMs: number };
  /** Reports kept while offline; the oldest is dropped beyond this. */
  queueLimit?: number;
  requestTimeoutMs?: number;
  /** Refuse (EnrolledElsewhereError) rather than replace an enrollment with another collector (config keepOtherEnrollment). */
  keepOtherEnrollment?: boolean;
  /** From managed settings: the MDM's ID for this device and the integration's configuration key. */
  trustedEndpoint?: { identifier: string; key: string } | null;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * The agent's session with its collector: enrolls once, then authenticates each
 * connection by signing the server's nonce; sends signed reports and attestations;
 * reconnects with jittered backoff. Events: 'status' (LinkStatus), 'verdict', 'fatal',
 * 'acked' (the seq of a report the collector stored).
 */
export class AgentLink extends EventEmitter {
  status: LinkStatus = 'offline';
  lastError: string | null = null;
  endpointId: string | null = null;
  private ws: WebSocket | null = null;
  private nonce: string | null = null;
  private keys: DeviceKey | null = null;
  /** Signed frames leave in the order they were asked for, whatever each signature takes. */
  private outgoing: Promise<void> = Promise.resolve();
  /**
   * Session MAC (shared/crypto/session-mac.ts): this session's X25519 offer, the key agreed
   * with the collector, and the reports it acked in this session. Reports after the first
   * acked one are MAC'd instead of signed (a hardware key signs through a helper process);
   * the collector then pays one key agreement per session instead of a check per report.
   */
  private sessionOffer: SessionKeyPair | null = null;
  /** The collector's answer, kept until the first MAC'd report derives the key from it. */
  private sessionAnswer: { endpointId: string; collectorKey: string } | null = null;
  private macKey: Buffer | null = null;
  private acksThisSession = 0;
  /** False once a collector refused the offer (one from before session MACs): every report is signed. */
  private offerSessionKey = true;
  private state: AgentState = { collectorUrl: null, endpointId: null, lastSeq: 0 };
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Set when the collector forgot us: the next connection enrolls with a new key. */
  private needFreshKey = false;
  private readonly queue: Report[] = [];
  private readonly pendingReports = new Map<number, Pending>();
  private readonly pendingAttests = new Map<string, Pending>();
  private readonly pendingDescribes = new Map<string, Pending>();
  /** `check` answers carry no key: the collector handles frames in order, so they come back in order. */
  private readonly pendingChecks = new Map<number, Pending>();
  private checkSeq = 0;
  /** Whether this run has been connected before: the next connection is a reconnect. */
  private everConnected = false;
  /** The URL this run's start moved the enrollment from, until the collector accepts or refuses it. */
  private movedThisRun: string | null = null;

  constructor(private readonly options: AgentLinkOptions) {
    super();
  }

  async start(): Promise<void> {
    const stored = await this.options.stateFile.load();
    const { collectorUrl } = this.options;
    const plan = planEnrollment(stored, collectorUrl, this.options.previousCollectorUrls ?? []);
    // Checked before anything is saved or a key made: a refused run leaves the data directory as it was.
    const enrolledWith = plan.kind === 'reenroll' ? collectorAddress(plan.from) : null;
    if (enrolledWith !== null && stored.endpointId !== null && this.options.keepOtherEnrollment)
      throw new EnrolledElsewhereError({ collectorUrl: enrolledWith, endpointId: stored.endpointId }, collectorUrl);
    this.state = stateAfter(plan, stored, collectorUrl, new Date());
    if (plan.kind === 'move') {
      // Saved now, so the move is made (and logged) once: the next start finds the new URL.
      await this.options.stateFile.save(this.state);
      this.movedThisRun = plan.from;
      this.options.log.info(
        { previous: plan.from, collector: collectorUrl, endpointId: this.state.endpointId },
        `moved enrollment from ${plan.from} to ${collectorUrl}`,
      );
    } else if (plan.kind === 'reenroll') {
      this.options.log.info(
        { previous: plan.from, collector: collectorUrl },
        'enrolled with another collector: this one needs a new enrollment (if it is the same collector under a new URL, list the old URL in previousCollectorUrls)',
      );
      // Saved before the new key replaces the old one: otherwise a re-enrollment that never
      // reaches its collector (a mistyped URL) left state.json naming the old endpoint beside a
      // key that is not its own, and every later run was refused there (BAD_SIGNATURE) while
      // doctor still said "enrolled". Now the files agree: not enrolled, enrolling with this URL.
      await this.options.stateFile.save(this.state);
    }
    this.keys = await this.loadOrCreateKey(this.state.endpointId === null);
    this.connect();
  }

  /** Where this enrollment was moved from, and when (null: it was made with this collector's URL). */
  get movedFrom(): { collectorUrl: string; at: string } | null {
    return this.state.movedFrom ?? null;
  }

  async stop(): Promise<void> {
    if (!this.stopped && this.status === 'connected')
      this.options.log.info({ collector: this.options.collectorUrl }, 'disconnecting from the collector');
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.failPending(new LinkError('STOPPED', 'the agent is stopping'));
    const ws = this.ws;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.close(1000);
        setTimeout(() => {
          ws.terminate();
          resolve();
        }, 1000).unref();
      });
    }
    this.setStatus('stopped');
  }

  /**
   * Resolves once authenticated; rejects on a fatal refusal or after the timeout, or, with
   * `failFast` (`--once`), as soon as one attempt fails instead of waiting out the retries.
   */
  waitConnected(timeoutMs: number, options: { failFast?: boolean } = {}): Promise<void> {
    if (this.status === 'connected') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const unreachable = () =>
        new LinkError(
          'UNREACHABLE',
          `cannot reach the collector at ${this.options.collectorUrl}${this.lastError ? ` (${this.lastError})` : ''}`,
        );
      const timer = setTimeout(() => {
        cleanup();
        reject(unreachable());
      }, timeoutMs);
      const onStatus = (status: LinkStatus): void => {
        if (status === 'connected') {
          cleanup();
          resolve();
        } else if (status === 'offline' && options.failFast) {
          cleanup();
          reject(unreachable());
        }
      };
      const onFatal = (error: LinkError): void => {
        cleanup();
        reject(error);
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        this.off('status', onStatus);
        this.off('fatal', onFatal);
      };
      this.on('status', onStatus);
      this.on('fatal', onFatal);
    });
  }

  /** Sends a report now, or queues it (bounded) until the session is back. */
  async report(report: Report): Promise<void> {
    if (this.status !== 'connected') {
      this.queue.push(report);
      while (this.queue.length > (this.options.queueLimit ?? 20)) this.queue.shift();
      return;
    }
    await this.sendReport(report);
  }

  /** Attests a transaction over this session; resolves with the collector's verdict. */
  attest(transactionId: string): Promise<VerdictMessage> {
    if (this.status !== 'connected') return Promise.reject(new LinkError('OFFLINE', 'the agent is not connected to its collector'));
    const promise = this.expect<VerdictMessage>(this.pendingAttests, transactionId);
    this.sendSigned({ type: 'attest', transactionId }).catch((error: Error) => this.signFailed(this.pendingAttests, transactionId, error));
    return promise;
  }

  /** Who a transaction is for (application and account), before the user agrees to attest it. */
  describe(transactionId: string): Promise<TransactionInfo> {
    if (this.status !== 'connected') return Promise.reject(new LinkError('OFFLINE', 'the agent is not connected to its collector'));
    const promise = this.expect<TransactionInfo>(this.pendingDescribes, transactionId);
    this.sendSigned({ type: 'describe', transactionId }).catch((error: Error) =>
      this.signFailed(this.pendingDescribes, transactionId, error),
    );
    return promise;
  }

  /** Whether the collector trusts this device now, under its global policy (`--once`). */
  check(): Promise<Standing> {
    if (this.status !== 'connected') return Promise.reject(new LinkError('OFFLINE', 'the agent is not connected to its collector'));
    const seq = ++this.checkSeq;
    const promise = this.expect<Standing>(this.pendingChecks, seq);
    this.sendSigned({ type: 'check' }).catch((error: Error) => this.signFailed(this.pendingChecks, seq, error));
    return promise;
  }

  /** The key of this enrollment, or a new one (hardware where the machine has it) to enroll with. */
  private async loadOrCreateKey(fresh: boolean): Promise<DeviceKey> {
    const stores = this.options.deviceKeys ?? { software: new SoftwareKeyStore(this.options.keyStore), hardware: null };
    const opened = await openDeviceKey(stores, fresh ? null : { kind: this.state.keyKind ?? 'software' });
    if (opened.note) this.options.log.warn({ keyKind: opened.key.kind }, opened.note);
    if (opened.reenroll) {
      this.state = { collectorUrl: this.options.collectorUrl, endpointId: null, lastSeq: 0 };
      await this.options.stateFile.save(this.state);
    }
    return opened.key;
  }

  private connect(): void {
    if (this.stopped) return;
    this.setStatus('connecting');
    const url = new URL(AGENT_CHANNEL_PATH, `${this.options.collectorUrl}/`);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    this.options.log.debug({ collector: this.options.collectorUrl, attempt: this.attempt }, 'connecting to the collector');
    // No permessage-deflate offer: frames are small JSON, and a compressing session would hold
    // a zlib deflate and inflate context (about 300 kB) for as long as the agent runs.
    const ws = new WebSocket(url, { maxPayload: LIMITS.maxFrameBytes, handshakeTimeout: 10_000, perMessageDeflate: false });
    this.ws = ws;
    this.nonce = null; // this socket's hello sets it, once
    ws.on(
      'message',
      (data) =>
        void this.onMessage(String(data)).catch((error: unknown) =>
          this.options.log.error({ err: error }, 'handling a collector message failed'),
        ),
    );
    ws.on('error', (error) => {
      this.lastError = (error as NodeJS.ErrnoException).code ?? error.message;
    });
    ws.on('close', (code, reason) => this.onClose(code, reason.toString()));
  }

  private async onMessage(text: string): Promise<void> {
    const message = parseServerFrame(text);
    if (message === null) {
      this.options.log.warn('the collector sent a message this agent does not understand');
      return;
    }
    switch (message.type) {
      case 'hello':
        // One hello per socket. A second one would have this agent sign an auth over a nonce
        // the collector picks mid-session, and MAC later reports with this session's key over
        // that nonce; only a collector that is broken or not ours sends it.
        if (this.nonce !== null) {
          this.options.log.warn('the collector said hello twice on one connection; ignored');
          return;
        }
        this.nonce = message.nonce;
        this.sessionOffer = this.offerSessionKey ? newSessionKeyPair() : null;
        try {
          if (this.state.endpointId) await this.sendAuth(this.state.endpointId);
          else await this.enroll();
        } catch (error) {
          // The collector closes the session at its auth timeout, and the link retries.
          this.lastError = `the device key could not sign: ${(error as Error).message}`;
          this.options.log.warn({ keyKind: this.keys?.kind }, this.lastError);
        }
        return;
      case 'enrolled':
        this.state = {
          collectorUrl: this.options.collectorUrl,
          endpointId: message.endpointId,
          lastSeq: 0,
          keyKind: this.keys?.kind ?? 'software',
        };
        await this.options.stateFile.save(this.state);
        this.options.log.info(
          { collector: this.options.collectorUrl, endpointId: message.endpointId, keyKind: this.state.keyKind },
          'enrolled',
        );
        return;
      case 'authenticated':
        this.endpointId = message.endpointId;
        this.movedThisRun = null;
        this.agreeSessionKey(message.endpointId, message.sessionKey);
        this.state.lastSeq = Math.max(this.state.lastSeq, message.lastSeq);
        this.options.log.info(
          { collector: this.options.collectorUrl, endpointId: message.endpointId, ...(this.attempt > 0 ? { attempts: this.attempt } : {}) },
          this.everConnected ? 'reconnected to the collector' : 'connected to the collector',
        );
        this.everConnected = true;
        // The backoff is not reset here: a collector that signs agents in but cannot store
        // their reports (database read-only or full) would be hammered. An ack resets it.
        this.lastError = null;
        this.setStatus('connected');
        await this.flushQueue();
        return;
      case 'ack':
        this.attempt = 0;
        this.acksThisSession += 1;
        this.settle(this.pendingReports, message.seq, null);
        this.emit('acked', message.seq);
        return;
      case 'verdict': {
        const { type: _type, ...verdict } = message;
        this.settle(this.pendingAttests, message.transactionId, verdict);
        this.emit('verdict', verdict);
        return;
      }
      case 'transaction': {
        const { type: _type, ...info } = message;
        // Checked again here, whatever the collector did: this text goes in front of the user
        // as the reason to vouch for this device, so a newline or bidi override in it is a lure.
        const unsafe = unsafeTransactionField(info);
        this.settle(
          this.pendingDescribes,
          message.transactionId,
          unsafe
            ? new LinkError(
                'UNSAFE_TEXT',
                `the collector's answer names the ${unsafe.field} with ${unsafe.character}, a control or bidirectional character`,
              )
            : info,
        );
        return;
      }
      case 'standing': {
        const { type: _type, ...standing } = message;
        const first = this.pendingChecks.keys().next();
        if (!first.done) this.settle(this.pendingChecks, first.value, standing);
        return;
      }
      case 'error':
        return this.onError(message);
    }
  }

  private sendAuth(endpointId: string): Promise<void> {
    return this.sendSigned({ type: 'auth', v: PROTOCOL_VERSION as 1, endpointId, ...this.offer() });
  }

  private offer(): { sessionKey?: string } {
    return this.sessionOffer ? { sessionKey: this.sessionOffer.publicKey } : {};
  }

  /** Keeps the collector's answer; without one, reports stay signed. */
  private agreeSessionKey(endpointId: string, collectorKey: string | undefined): void {
    this.macKey = null;
    this.acksThisSession = 0;
    this.sessionAnswer = this.sessionOffer && collectorKey && this.nonce ? { endpointId, collectorKey } : null;
  }

  /**
   * The session's MAC key, derived at the first report that uses it: the X25519 agreement
   * costs more than a signature, and an agent that reconnects and reports once (a fleet
   * coming back after a collector restart) never needs it. Null (sign instead) when the
   * collector's answer is not a usable key.
   */
  private sessionMac(): Buffer | null {
    if (this.macKey || !this.sessionAnswer || !this.sessionOffer || !this.nonce) return this.macKey;
    const { endpointId, collectorKey } = this.sessionAnswer;
    this.sessionAnswer = null;
    try {
      this.macKey = sessionMacKey(this.sessionOffer.privateKey, collectorKey, {
        nonce: this.nonce,
        endpointId,
        agentKey: this.sessionOffer.publicKey,
        collectorKey,
      });
    } catch (error) {
      this.options.log.warn({ err: (error as Error).message }, 'the collector answered with an unusable session key; signing every report');
    }
    return this.macKey;
  }

  private async enroll(): Promise<void> {
    if (!this.options.enrollmentKey) {
      this.fatal(new LinkError('NOT_ENROLLED', 'this device is not enrolled and no enrollment key is configured'));
      return;
    }
    this.options.log.info({ collector: this.options.collectorUrl }, 'not enrolled: enrolling with the enrollment key');
    const { publicKey, kind } = this.keys as DeviceKey;
    // A software key says nothing of its kind: collectors from before key kinds accept it as is.
    const body = {
      type: 'enroll' as const,
      v: PROTOCOL_VERSION as 1,
      enrollmentKey: this.options.enrollmentKey,
      publicKey,
      ...(kind === 'software' ? {} : { keyKind: kind }),
      ...this.offer(),
    };
    await this.sendSigned(body);
  }

  private onError(message: Extract<ServerMessage, { type: 'error' }>): void {
    this.lastError = `${message.code}: ${message.message}`;
    if (message.transactionId) {
      this.settle(this.pendingAttests, message.transactionId, new LinkError(message.code, message.message));
      this.settle(this.pendingDescribes, message.transactionId, new LinkError(message.code, message.message));
      return;
    }
    if (message.code === 'ENROLLMENT_KEY_INVALID') {
      this.options.log.info('enrollment refused: the collector does not accept the enrollment key');
      this.fatal(new LinkError(message.code, 'the collector refused the enrollment key'));
    } else if (message.code === 'ENDPOINT_UNKNOWN') {
      // The admin forgot this endpoint: drop the old identity and enroll afresh.
      if (this.movedThisRun !== null)
        // A move the admin declared, to a collector that is not the one the enrollment came from
        // (another database): it is treated as a forgotten endpoint, once; the new enrollment
        // belongs to this collector, so no later start moves or retries the old one.
        this.options.log.warn(
          { endpointId: this.state.endpointId, previous: this.movedThisRun, collector: this.options.collectorUrl },
          `the collector at ${this.options.collectorUrl} does not know the endpoint moved from ${this.movedThisRun}: it is not the same collector; enrolling with it anew`,
        );
      else
        this.options.log.warn(
          { endpointId: this.state.endpointId, ...(this.state.movedFrom ? { movedFrom: this.state.movedFrom.collectorUrl } : {}) },
          'the collector no longer knows this endpoint; enrolling again',
        );
      this.movedThisRun = null;
      this.state = { collectorUrl: this.options.collectorUrl, endpointId: null, lastSeq: 0 };
      this.needFreshKey = true;
    } else if (
      message.code === 'INVALID_MESSAGE' &&
      this.sessionOffer &&
      this.status !== 'connected' &&
      /sessionKey/.test(message.message)
    ) {
      // A collector from before session MACs refuses the offer as an unknown field: sign every report.
      this.options.log.info('the collector does not take a session key; every report will be signed');
      this.offerSessionKey = false;
    } else {
      // Other refusals (a rate limit, a protocol error) close the socket: say why before the backoff.
      this.options.log.warn({ code: message.code }, `the collector refused the session: ${message.message}`);
    }
  }

  private onClose(code: number, reason: string): void {
    this.ws = null;
    this.nonce = null;
    this.sessionOffer = null;
    this.sessionAnswer = null;
    this.macKey = null;
    this.acksThisSession = 0;
    this.failPending(new LinkError('DISCONNECTED', `the collector closed the session (${code}${reason ? ` ${reason}` : ''})`));
    if (this.stopped || this.status === 'refused') return;
    if (this.needFreshKey && this.status !== 'connected') {
      // Refused as an endpoint it does not know (forgotten, or a move to another collector; the
      // warning said which): not an outage, so no backoff and no "cannot reach" — enroll anew at
      // once. A `--once` run waits for that instead of giving up on a collector that answered.
      this.reconnectTimer = setTimeout(() => void this.reconnect(), 0);
      return;
    }
    const wasConnected = this.status === 'connected';
    this.setStatus('offline');
    const { baseMs, capMs } = this.options.backoff ?? { baseMs: 1000, capMs: 5 * 60_000 };
    // A collector whose database fails says how long to stay away (close 1013); the
    // growing backoff still applies when it is longer.
    const retryAfter = code === 1013 ? retryAfterOf(reason) : null;
    const backoff = backoffDelay(this.attempt++, baseMs, capMs);
    const delay = this.needFreshKey ? 0 : retryAfter === null ? backoff : Math.max(backoff, retryAfterDelay(retryAfter));
    const fields = { collector: this.options.collectorUrl, retryInMs: delay, ...(this.lastError ? { error: this.lastError } : {}) };
    // A lost session and the first failed attempt at info; further retries of an outage at debug.
    if (wasConnected)
      this.options.log.info({ ...fields, code, ...(reason ? { reason } : {}) }, 'disconnected from the collector; reconnecting');
    else if (this.attempt === 1) this.options.log.info(fields, 'cannot reach the collector; retrying');
    else this.options.log.debug({ ...fields, attempt: this.attempt }, 'cannot reach the collector; retrying');
    this.reconnectTimer = setTimeout(() => void this.reconnect(), delay);
  }

  private async reconnect(): Promise<void> {
    if (this.needFreshKey) {
      this.needFreshKey = false;
      await this.options.stateFile.save(this.state);
      this.keys = await this.loadOrCreateKey(true);
    }
    this.connect();
  }

  private async flushQueue(): Promise<void> {
    while (this.queue.length > 0 && this.status === 'connected') {
      await this.sendReport(this.queue.shift() as Report).catch(() => undefined);
    }
  }

  /**
   * Sends one report and waits for its ack. A report in flight when the session drops
   * goes back to the front of the queue (at least once: if the collector had stored it,
   * its history shows it twice, which beats losing it).
   */
  private async sendReport(report: Report): Promise<void> {
    const seq = ++this.state.lastSeq;
    await this.options.stateFile.save(this.state);
    const promise = this.expect<null>(this.pendingReports, seq);
    this.sendSigned({ type: 'report', seq, report: this.withAssertion(report) }).catch((error: Error) =>
      this.signFailed(this.pendingReports, seq, error),
    );
    try {
      await promise;
    } catch (error) {
      const code = (error as LinkError).code;
      if (this.stopped || (code !== 'DISCONNECTED' && code !== 'TIMEOUT')) throw error;
      this.queue.unshift(report);
      while (this.queue.length > (this.options.queueLimit ?? 20)) this.queue.shift();
    }
  }

  /**
   * Adds the MDM-asserted identity, proven for the key this session signs with (computed at
   * send time: a re-enrollment makes a new device key, and the proof names the public key).
   */
  private withAssertion(report: Report): Report {
    const pushed = this.options.trustedEndpoint;
    if (!pushed || !this.keys) return report;
    const proof = mdmAssertionProof(pushed.key, pushed.identifier, this.keys.publicKey);
    return { ...report, mdmAssertion: { deviceId: pushed.identifier, proof } };
  }

  /**
   * Signs and sends, in call order: a hardware key signs through a helper process, and
   * reports must still leave in sequence. Rejects when the key cannot sign.
   */
  private sendSigned(message: UnsignedAgentMessage): Promise<void> {
    const sent = this.outgoing.then(async () => {
      const payload = signedPayloadOf(message, { nonce: this.nonce as string, endpointId: this.state.endpointId ?? '' });
      // A report after the session's first acked one is MAC'd (see macKey); everything else is signed.
      const macKey = message.type === 'report' && this.acksThisSession > 0 ? this.sessionMac() : null;
      if (macKey) {
        this.send({ ...message, mac: macPayload(macKey, payload) } as AgentMessage);
        return;
      }
      const signature = await (this.keys as DeviceKey).sign(payload);
      this.send({ ...message, signature } as AgentMessage);
    });
    this.outgoing = sent.catch(() => undefined);
    return sent;
  }

  /** A request whose signature failed (a hardware key that stopped answering) fails now, not at its timeout. */
  private signFailed(map: Map<string, Pending> | Map<number, Pending>, key: string | number, error: Error): void {
    this.options.log.warn({ err: error.message }, 'the device key could not sign');
    this.settle(map, key, new LinkError('KEY_FAILED', `the device key could not sign: ${error.message}`));
  }

  private send(message: AgentMessage): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  private expect<T>(map: Map<string | number, Pending> | Map<string, Pending> | Map<number, Pending>, key: string | number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        (map as Map<string | number, Pending>).delete(key);
        reject(new LinkError('TIMEOUT', 'the collector did not answer in time'));
      }, this.options.requestTimeoutMs ?? 15_000);
      (map as Map<string | number, Pending>).set(key, { resolve: resolve as (v: unknown) => void, reject, timer });
    });
  }

  private settle(map: Map<string, Pending> | Map<number, Pending>, key: string | number, value: unknown): void {
    const pending = (map as Map<string | number, Pending>).get(key);
    if (!pending) return;
    (map as Map<string | number, Pending>).delete(key);
    clearTimeout(pending.timer);
    if (value instanceof Error) pending.reject(value);
    else pending.resolve(value);
  }

  private failPending(error: Error): void {
    for (const map of [this.pendingReports, this.pendingAttests, this.pendingDescribes, this.pendingChecks] as Map<
      string | number,
      Pending
    >[]) {
      for (const pending of map.values()) {
        clearTimeout(pending.timer);
        pending.reject(error);
      }
      map.clear();
    }
  }

  private fatal(error: LinkError): void {
    this.lastError = error.message;
    this.setStatus('refused');
    this.ws?.close(1000);
    this.emit('fatal', error);
  }

  private setStatus(status: LinkStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.emit('status', status);
  }
}
