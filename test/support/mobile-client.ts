import { generateDeviceKey, mdmAssertionProof, type DeviceKeyPair } from '@devtrust/shared/crypto';
import type { Report } from '@devtrust/shared/protocol';
import { RawChannel } from './raw-channel.js';

/** What a mobile client reads from its managed app configuration. */
export interface MobileAppConfig {
  trustedEndpointsKey?: string;
  trustedEndpointIdentifier?: string;
}

/**
 * A simulated iOS or Android client, as a mobile app would speak the agent protocol: it
 * enrolls with its own device key, reports the platform and the MDM-asserted identity from
 * its managed app configuration (no hardware identifiers: a phone app cannot read them),
 * and attests transactions. No mobile app is built here; this is the protocol it would use.
 */
export class SimulatedMobileClient {
  private seq = 0;
  private constructor(
    readonly channel: RawChannel,
    readonly keys: DeviceKeyPair,
    readonly platform: 'ios' | 'android',
  ) {}

  static async enroll(collectorUrl: string, enrollmentKey: string, platform: 'ios' | 'android'): Promise<SimulatedMobileClient> {
    const channel = await RawChannel.open(collectorUrl);
    const { keys } = await channel.enroll(enrollmentKey, generateDeviceKey());
    return new SimulatedMobileClient(channel, keys, platform);
  }

  /** The report the app would send: its platform and, when configured, the asserted identity and its proof. */
  reportFrom(config: MobileAppConfig, extra: Partial<Report['identity']> = {}): Report {
    const { trustedEndpointsKey: key, trustedEndpointIdentifier: deviceId } = config;
    return {
      agentVersion: 'mobile-sim/1.0',
      collectedAt: new Date().toISOString(),
      identity: { platform: this.platform, osVersion: this.platform === 'ios' ? '17.5' : '14', ...extra },
      ...(key && deviceId ? { mdmAssertion: { deviceId, proof: mdmAssertionProof(key, deviceId, this.keys.publicKey) } } : {}),
    };
  }

  /** Sends a report; resolves with the collector's answer (an ack, or the error before a close). */
  async report(report: Report): Promise<any> {
    const seq = ++this.seq;
    this.channel.send(this.channel.signed({ type: 'report', seq, report }, this.keys));
    return this.channel.next((m) => (m.type === 'ack' && m.seq === seq) || m.type === 'error');
  }

  async attest(transactionId: string): Promise<any> {
    this.channel.send(this.channel.signed({ type: 'attest', transactionId }, this.keys));
    return this.channel.next((m) => (m.type === 'verdict' || m.type === 'error') && m.transactionId === transactionId);
  }

  close(): void {
    this.channel.close();
  }
}
