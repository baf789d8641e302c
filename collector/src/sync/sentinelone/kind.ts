import { z } from 'zod';
import { baseUrlInput, DEFAULT_EDR_INTERVAL_MINUTES, EDR_COMMON_CONFIG, freshnessInput, textInput, vendorUrl } from '../kit/index.js';
import type { SourceKind } from '../source.js';
import { S1Client } from './client.js';
import { mapAgent } from './map.js';

const configSchema = z.strictObject({
  baseUrl: vendorUrl,
  apiToken: z.string().trim().min(1).max(2000),
  ...EDR_COMMON_CONFIG,
});
type Config = z.infer<typeof configSchema>;

/**
 * SentinelOne Singularity: the agent UUID each endpoint reports, and whether
 * SentinelOne reports it infected or quarantined (see map.ts for the compromise rule).
 */
export const sentinelOneKind: SourceKind<Config> = {
  kind: 'sentinelone',
  category: 'edr',
  label: 'SentinelOne',
  vendorName: 'SentinelOne',
  capabilities: { sync: true, upload: false },
  configSchema,
  form: { fields: [baseUrlInput, textInput('apiToken', 'API token'), freshnessInput] },
  secretFields: ['apiToken'],
  hostFields: ['baseUrl'],
  platforms: ['windows', 'macos', 'linux'],
  defaultIntervalMinutes: DEFAULT_EDR_INTERVAL_MINUTES,
  create: (config, deps) => {
    const client = new S1Client(config, deps);
    return {
      test: async ({ signal }) => {
        const total = await client.count(signal);
        return { ok: true, message: `connected to SentinelOne${total === null ? '' : `: ${total} agents`}` };
      },
      pages: async function* ({ signal }) {
        for await (const agents of client.agents(signal)) yield agents.map(mapAgent);
      },
      lookup: async (uuid, { signal }) => {
        const agent = await client.agent(uuid, signal);
        return agent ? mapAgent(agent) : null;
      },
    };
  },
};
