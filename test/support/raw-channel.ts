import WebSocket from 'ws';
import { generateDeviceKey, macPayload, signPayload, type DeviceKeyPair } from '@devtrust/shared/crypto';
import { signedPayloadOf, type UnsignedAgentMessage } from '@devtrust/shared/protocol';

/**
 * A hand-driven agent channel client for protocol tests: it lets a test sign with the
 * wrong key, replay frames or send garbage, which the real agent never does.
 */
export class RawChannel {
  readonly messages: any[] = [];
  nonce = '';
  endpointId = '';
  closed: Promise<{ code: number; reason: string }>;
  private waiters: ((m: any) => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.type === 'hello') this.nonce = message.nonce;
      this.messages.push(message);
      for (const waiter of this.waiters.splice(0)) waiter(message);
    });
    ws.on('error', () => undefined);
  }

  /** `options`: more of ws's client options (a local address to connect from, a CA to trust). */
  static async open(
    collectorUrl: string,
    headers: Record<string, string> = {},
    options: WebSocket.ClientOptions = {},
  ): Promise<RawChannel> {
    const ws = new WebSocket(`${collectorUrl.replace(/^http/, 'ws')}/agent/v1`, { ...options, headers });
    const channel = new RawChannel(ws);
    await channel.next((m) => m.type === 'hello');
    return channel;
  }

  /** Resolves with the first message (already received or coming) that matches. */
  next(match: (m: any) => boolean = () => true, timeoutMs = 5000): Promise<any> {
    const seen = this.messages.find(match);
    if (seen) {
      this.messages.splice(this.messages.indexOf(seen), 1);
      return Promise.resolve(seen);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no matching message')), timeoutMs);
      const waiter = (m: any): void => {
        if (match(m)) {
          clearTimeout(timer);
          this.messages.splice(this.messages.indexOf(m), 1);
          resolve(m);
        } else this.waiters.push(waiter);
      };
      this.waiters.push(waiter);
    });
  }

  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  /** Signs with `keys` (which may be the wrong ones) over this session's nonce. */
  signed(message: UnsignedAgentMessage, keys: DeviceKeyPair, endpointId = this.endpointId): Record<string, unknown> {
    const signature = signPayload(keys.privateKey, signedPayloadOf(message, { nonce: this.nonce, endpointId }));
    return { ...message, signature };
  }

  /** MACs with `key` (the session's, or a wrong one) over this session's nonce, as a report after the first. */
  macd(message: UnsignedAgentMessage, key: Buffer, endpointId = this.endpointId): Record<string, unknown> {
    return { ...message, mac: macPayload(key, signedPayloadOf(message, { nonce: this.nonce, endpointId })) };
  }

  send(message: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(message));
  }

  async enroll(enrollmentKey: string, keys: DeviceKeyPair = generateDeviceKey()): Promise<{ keys: DeviceKeyPair; endpointId: string }> {
    this.send(this.signed({ type: 'enroll', v: 1, enrollmentKey, publicKey: keys.publicKey }, keys));
    const enrolled = await this.next((m) => m.type === 'enrolled');
    this.endpointId = enrolled.endpointId;
    await this.next((m) => m.type === 'authenticated');
    return { keys, endpointId: enrolled.endpointId };
  }

  close(): void {
    this.ws.close();
  }
}
