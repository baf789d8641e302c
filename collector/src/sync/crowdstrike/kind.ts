import { z } from 'zod';
import {
  baseUrlInput,
  DEFAULT_EDR_INTERVAL_MINUTES,
  EDR_COMMON_CONFIG,
  freshnessInput,
  publicCredential,
  textInput,
  vendorUrl,
} from '../kit/index.js';
import type { SourceKind } from '../source.js';
import { FalconClient } from './client.js';
import { mapHost } from './map.js';

const configSchema = z.strictObject({
  baseUrl: vendorUrl,
  clientId: publicCredential(200),
  clientSecret: z.string().trim().min(1).max(500),
  ...EDR_COMMON_CONFIG,
});
type Config = z.infer<typeof configSchema>;

/**
 * CrowdStrike Falcon: the agent ID (AID) each sensor reports, and whether Falcon has
 * network-contained the host (see map.ts for the compromise rule).
 */
export const crowdstrikeKind: SourceKind<Config> = {
  kind: 'crowdstrike',
  category: 'edr',
  label: 'CrowdStrike Falcon',
  vendorName: 'CrowdStrike Falcon',
  capabilities: { sync: true, upload: false },
  configSchema,
  form: { fields: [baseUrlInput, textInput('clientId', 'API client ID'), textInput('clientSecret', 'API client secret'), freshnessInput] },
  secretFields: ['clientSecret'],
  hostFields: ['baseUrl'],
  platforms: ['windows', 'macos', 'linux', 'ios', 'android'],
  defaultIntervalMinutes: DEFAULT_EDR_INTERVAL_MINUTES,
  create: (config, deps) => {
    const client = new FalconClient(config, deps);
    return {
      test: async ({ signal }) => {
        const total = await client.count(signal);
        return { ok: true, message: `connected to CrowdStrike Falcon${total === null ? '' : `: ${total} hosts`}` };
      },
      pages: async function* ({ signal }) {
        for await (const hosts of client.hosts(signal)) yield hosts.map(mapHost);
      },
      lookup: async (aid, { signal }) => {
        const host = await client.host(aid, signal);
        return host ? mapHost(host) : null;
      },
    };
  },
};
