import WebSocket from 'ws';
import { runPool } from './timing.js';
import {
  generateDeviceKey,
  macPayload,
  newSessionKeyPair,
  sessionMacKey,
  signPayload,
  type DeviceKeyPair,
  type SessionKeyPair,
} from '@devtrust/shared/crypto';
import {
  AGENT_CHANNEL_PATH,
  LIMITS,
  PROTOCOL_VERSION,
  signedPayloadOf,
  type Report,
  type UnsignedAgentMessage,
  type VerdictMessage,
} from '@devtrust/shared/protocol';

/** Source address for the i-th of many loopback connections: 20,000 per address, well inside the ephemeral port range. */
export function loopbackSource(i: number): string {
  return `127.0.0.${1 + Math.floor(i / 20_000)}`;
}

export class ChannelRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

interface Waiter {
  resolve(message: any): void;
  reject(error: Error): void;
}

/**
 * A lean agent-channel client for load: the real protocol (hello nonce, Ed25519-signed
 * enroll/auth/attest; reports signed, or MAC'd with the session key after the session's
 * first acked one, as the agent does) without the agent's state files, so thousands fit in
 * one process. Frames are matched to requests by seq and transaction id.
 */
export class ChannelClient {
  nonce = '';
  endpointId = '';
  seq = 0;
  closed = false;
  closeCode: number | null = null;
  private helloWaiter: Waiter | null = null;
  private sessionWaiter: Waiter | null = null;
  private readonly acks = new Map<number, Waiter>();
  private readonly verdicts = new Map<string, Waiter>();
  private sessionOffer: SessionKeyPair | null = null;
  /** The collector's answer; the key is derived at the first MAC'd report, as the agent does. */
  private collectorKey: string | null = null;
  private macKey: Buffer | null = null;
  private acked = 0;

  private constructor(
    readonly ws: WebSocket,
    public keys: DeviceKeyPair,
  ) {
    ws.on('message', (data) => this.onMessage(JSON.parse(String(data))));
    ws.on('error', () => undefined);
    ws.on('close', (code) => {
      this.closed = true;
      this.closeCode = code;
      this.failAll(new ChannelRefused('CLOSED', `the collector closed the session (${code})`));
    });
  }

  /** Connects and resolves once the server's hello (with its nonce) arrived. */
  /**
   * `localAddress`: the loopback address to connect from. One source address reaches one
   * server port through at most the ~28,000 ephemeral ports Linux hands out; tens of
   * thousands of sessions spread over 127.0.0.x.
   */
  static connect(
    baseUrl: string,
    keys: DeviceKeyPair = generateDeviceKey(),
    timeoutMs = 15_000,
    localAddress?: string,
  ): Promise<ChannelClient> {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}${AGENT_CHANNEL_PATH}`, {
      ...(localAddress ? { localAddress } : {}),
      maxPayload: LIMITS.maxFrameBytes,
      perMessageDeflate: false,
      handshakeTimeout: timeoutMs,
    });
    const client = new ChannelClient(ws, keys);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error('no hello in time'));
      }, timeoutMs);
      client.helloWaiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve(client);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      ws.once('error', (error) => client.helloWaiter?.reject(error));
    });
  }

  enroll(enrollmentKey: string): Promise<string> {
    this.sessionOffer = newSessionKeyPair();
    const body = {
      type: 'enroll' as const,
      v: PROTOCOL_VERSION,
      enrollmentKey,
      publicKey: this.keys.publicKey,
      sessionKey: this.sessionOffer.publicKey,
    };
    const done = this.awaitSession();
    this.send({ ...body, signature: this.sign(body) });
    return done.then(() => this.endpointId);
  }

  /** Authenticates a pre-enrolled endpoint; resolves with the collector's last seq. */
  auth(endpointId: string): Promise<number> {
    this.endpointId = endpointId;
    this.sessionOffer = newSessionKeyPair();
    const body = { type: 'auth' as const, v: PROTOCOL_VERSION, endpointId, sessionKey: this.sessionOffer.publicKey };
    const done = this.awaitSession();
    this.send({ ...body, signature: this.sign(body) });
    return done.then((m: { lastSeq: number }) => {
      this.seq = Math.max(this.seq, m.lastSeq);
      return m.lastSeq;
    });
  }

  /** Sends a report with the next seq (signed, or MAC'd as the agent would); resolves on its ack. */
  report(report: Report): Promise<void> {
    const seq = ++this.seq;
    const done = new Promise<void>((resolve, reject) => this.acks.set(seq, { resolve, reject }));
    const body = { type: 'report' as const, seq, report };
    if (this.acked > 0 && this.sessionOffer && this.collectorKey && !this.macKey) {
      this.macKey = sessionMacKey(this.sessionOffer.privateKey, this.collectorKey, {
        nonce: this.nonce,
        endpointId: this.endpointId,
        agentKey: this.sessionOffer.publicKey,
        collectorKey: this.collectorKey,
      });
    }
    if (this.macKey && this.acked > 0) {
      this.send({ ...body, mac: macPayload(this.macKey, signedPayloadOf(body, { nonce: this.nonce, endpointId: this.endpointId })) });
    } else this.send({ ...body, signature: this.sign(body) });
    return done;
  }

  attest(transactionId: string): Promise<VerdictMessage> {
    const done = new Promise<VerdictMessage>((resolve, reject) => this.verdicts.set(transactionId, { resolve, reject }));
    const body = { type: 'attest' as const, transactionId };
    this.send({ ...body, signature: this.sign(body) });
    return done;
  }

  terminate(): void {
    this.ws.terminate();
  }

  private awaitSession(): Promise<any> {
    return new Promise((resolve, reject) => (this.sessionWaiter = { resolve, reject }));
  }

  private sign(message: UnsignedAgentMessage): string {
    return signPayload(this.keys.privateKey, signedPayloadOf(message, { nonce: this.nonce, endpointId: this.endpointId }));
  }

  private send(message: Record<string, unknown>): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  private onMessage(message: any): void {
    switch (message.type) {
      case 'hello':
        this.nonce = message.nonce;
        this.helloWaiter?.resolve(message);
        this.helloWaiter = null;
        return;
      case 'enrolled':
        this.endpointId = message.endpointId;
        return;
      case 'authenticated':
        this.endpointId = message.endpointId;
        if (this.sessionOffer && typeof message.sessionKey === 'string') this.collectorKey = message.sessionKey;
        this.sessionWaiter?.resolve(message);
        this.sessionWaiter = null;
        return;
      case 'ack':
        this.acked++;
        this.acks.get(message.seq)?.resolve(null);
        this.acks.delete(message.seq);
        return;
      case 'verdict':
        this.verdicts.get(message.transactionId)?.resolve(message);
        this.verdicts.delete(message.transactionId);
        return;
      case 'error': {
        const error = new ChannelRefused(message.code, message.message);
        if (message.transactionId) {
          this.verdicts.get(message.transactionId)?.reject(error);
          this.verdicts.delete(message.transactionId);
        } else this.failAll(error);
      }
    }
  }

  private failAll(error: Error): void {
    this.helloWaiter?.reject(error);
    this.sessionWaiter?.reject(error);
    this.helloWaiter = this.sessionWaiter = null;
    for (const waiter of [...this.acks.values(), ...this.verdicts.values()]) waiter.reject(error);
    this.acks.clear();
    this.verdicts.clear();
  }
}

/**
 * Opens and authenticates one session per agent against `url`, `concurrency` handshakes at a
 * time, the i-th from loopback source `firstSource + i` (`loopbackSource`). Sessions go into
 * `opened` as they connect and into `authenticated` once the collector accepted them; what
 * failed is counted by its reason.
 */
export async function authenticateAll(
  url: string,
  agents: readonly { endpointId: string; keys: DeviceKeyPair }[],
  into: { opened: ChannelClient[]; authenticated: ChannelClient[] },
  options: { concurrency: number; firstSource?: number },
): Promise<Record<string, number>> {
  const failures: Record<string, number> = {};
  const first = options.firstSource ?? 0;
  await runPool(
    agents.map((agent, i) => ({ agent, i })),
    options.concurrency,
    async ({ agent, i }) => {
      try {
        const client = await ChannelClient.connect(url, agent.keys, 15_000, loopbackSource(first + i));
        into.opened.push(client);
        await client.auth(agent.endpointId);
        into.authenticated.push(client);
      } catch (error) {
        const reason = ((error as Error).message ?? String(error)).slice(0, 60);
        failures[reason] = (failures[reason] ?? 0) + 1;
      }
    },
    Date.now() + 600_000,
  );
  return failures;
}
