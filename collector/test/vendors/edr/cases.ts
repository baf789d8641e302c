import { AMP_API_KEY, AMP_CLIENT_ID, ampComputer, startFakeSecureEndpoint } from './cisco-secure-endpoint.js';
import { FALCON_CLIENT_ID, FALCON_CLIENT_SECRET, falconHost, startFakeFalcon } from './crowdstrike.js';
import type { FakeVendorServer } from './kit.js';
import { S1_API_TOKEN, s1Agent, startFakeSentinelOne } from './sentinelone.js';

/** A device as a test states it; each vendor renders it in its own record shape. */
export interface EdrDevice {
  connectorId: string;
  status: 'compromised' | 'clean' | 'unknown';
  serialNumber?: string;
  hostname?: string;
}

export interface RunningFakeEdr {
  server: FakeVendorServer;
  config: Record<string, unknown>;
  badConfig: Record<string, unknown>;
  /** The credential in `config` and in `badConfig`, to prove neither leaks. */
  secrets: [string, string];
  /** Replaces what the vendor lists. */
  setDevices(devices: EdrDevice[]): void;
}

/** Everything a vendor-generic test needs to drive one EDR kind against its fake. */
export interface EdrVendorCase {
  kind: 'cisco-secure-endpoint' | 'crowdstrike' | 'sentinelone';
  vendorName: string;
  /** The path of the inventory listing requests (faults target it). */
  listPath: RegExp;
  /** A 429 carrying the vendor's documented "wait this long" header. */
  rateLimitHeaders(seconds: number): Record<string, string>;
  /** What the bad-credentials answer says to the admin. */
  badCredentials: RegExp;
  start(options?: { pageSize?: number; devices?: EdrDevice[] }): Promise<RunningFakeEdr>;
}

/** A connector ID in the vendor's own spelling. */
export function connectorId(kind: EdrVendorCase['kind'], n: number): string {
  const hex = n.toString(16).padStart(4, '0');
  return kind === 'cisco-secure-endpoint' ? `5a1e${hex}-1732-4f8b-9a6f-18f172fe7af0` : `4a5f${hex}2b3d4e5f6a7b8c9d0e1f2a3b`;
}

export const EDR_VENDORS: EdrVendorCase[] = [
  {
    kind: 'cisco-secure-endpoint',
    vendorName: 'Cisco Secure Endpoint',
    listPath: /^\/v1\/computers$/,
    rateLimitHeaders: (s) => ({ 'x-ratelimit-limit': '3000', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(s) }),
    badCredentials: /401 from Cisco Secure Endpoint: check the API client ID and API key/,
    start: async ({ pageSize, devices = [] } = {}) => {
      const render = (d: EdrDevice) =>
        ampComputer(d.connectorId, {
          ...(d.status === 'unknown' ? { is_compromised: undefined } : { is_compromised: d.status === 'compromised' }),
          ...(d.hostname ? { hostname: d.hostname } : {}),
          ...(d.serialNumber ? { hardware: { serial: d.serialNumber } } : {}),
        });
      const server = await startFakeSecureEndpoint({ computers: devices.map(render), ...(pageSize ? { pageSize } : {}) });
      return {
        server,
        config: { baseUrl: server.url, clientId: AMP_CLIENT_ID, apiKey: AMP_API_KEY },
        badConfig: { baseUrl: server.url, clientId: AMP_CLIENT_ID, apiKey: 'wrong-key-0000' },
        secrets: [AMP_API_KEY, 'wrong-key-0000'],
        setDevices: (next) => {
          server.computers = next.map(render);
        },
      };
    },
  },
  {
    kind: 'crowdstrike',
    vendorName: 'CrowdStrike Falcon',
    listPath: /^\/devices\/queries\/devices-scroll\/v1$/,
    rateLimitHeaders: (s) => ({
      'x-ratelimit-limit': '6000',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-retryafter': String(Math.ceil(Date.now() / 1000) + s),
    }),
    badCredentials: /403 from CrowdStrike Falcon: check the API client ID and secret.*Failed to issue access token/,
    start: async ({ pageSize, devices = [] } = {}) => {
      const render = (d: EdrDevice) =>
        falconHost(d.connectorId, {
          status: d.status === 'compromised' ? 'contained' : d.status === 'clean' ? 'normal' : undefined,
          ...(d.hostname ? { hostname: d.hostname } : {}),
          ...(d.serialNumber ? { serial_number: d.serialNumber } : {}),
        });
      const server = await startFakeFalcon({ hosts: devices.map(render), ...(pageSize ? { pageSize } : {}) });
      return {
        server,
        config: { baseUrl: server.url, clientId: FALCON_CLIENT_ID, clientSecret: FALCON_CLIENT_SECRET },
        badConfig: { baseUrl: server.url, clientId: FALCON_CLIENT_ID, clientSecret: 'wrong-secret' },
        secrets: [FALCON_CLIENT_SECRET, 'wrong-secret'],
        setDevices: (next) => {
          server.hosts = next.map(render);
        },
      };
    },
  },
  {
    kind: 'sentinelone',
    vendorName: 'SentinelOne',
    listPath: /^\/web\/api\/v2\.1\/agents$/,
    rateLimitHeaders: (s) => ({ 'retry-after': String(s) }),
    badCredentials: /401 from SentinelOne: check the API token/,
    start: async ({ pageSize, devices = [] } = {}) => {
      const render = (d: EdrDevice) =>
        s1Agent(d.connectorId, {
          ...(d.status === 'unknown'
            ? { infected: undefined }
            : { infected: d.status === 'compromised', activeThreats: d.status === 'compromised' ? 1 : 0 }),
          ...(d.hostname ? { computerName: d.hostname } : {}),
          ...(d.serialNumber ? { serialNumber: d.serialNumber } : {}),
        });
      const server = await startFakeSentinelOne({ agents: devices.map(render), ...(pageSize ? { pageSize } : {}) });
      return {
        server,
        config: { baseUrl: server.url, apiToken: S1_API_TOKEN },
        badConfig: { baseUrl: server.url, apiToken: 'expired-token' },
        secrets: [S1_API_TOKEN, 'expired-token'],
        setDevices: (next) => {
          server.agents = next.map(render);
        },
      };
    },
  },
];
