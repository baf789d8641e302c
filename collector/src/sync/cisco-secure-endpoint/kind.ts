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
import { SecureEndpointClient } from './client.js';
import { mapComputer } from './map.js';

const configSchema = z.strictObject({
  baseUrl: vendorUrl,
  clientId: publicCredential(200),
  apiKey: z.string().trim().min(1).max(500),
  ...EDR_COMMON_CONFIG,
});
type Config = z.infer<typeof configSchema>;

/**
 * Cisco Secure Endpoint (formerly AMP for Endpoints): the connector GUID each endpoint's
 * connector reports, and whether Secure Endpoint considers the computer compromised.
 */
export const ciscoSecureEndpointKind: SourceKind<Config> = {
  kind: 'cisco-secure-endpoint',
  category: 'edr',
  label: 'Cisco Secure Endpoint',
  vendorName: 'Cisco Secure Endpoint',
  capabilities: { sync: true, upload: false },
  configSchema,
  form: { fields: [baseUrlInput, textInput('clientId', '3rd-party API client ID'), textInput('apiKey', 'API key'), freshnessInput] },
  secretFields: ['apiKey'],
  hostFields: ['baseUrl'],
  platforms: ['windows', 'macos', 'linux', 'ios', 'android'],
  defaultIntervalMinutes: DEFAULT_EDR_INTERVAL_MINUTES,
  create: (config, deps) => {
    const client = new SecureEndpointClient(config, deps);
    return {
      test: async ({ signal }) => {
        const total = await client.count(signal);
        return { ok: true, message: `connected to Cisco Secure Endpoint${total === null ? '' : `: ${total} computers`}` };
      },
      pages: async function* ({ signal }) {
        for await (const computers of client.computers(signal)) yield computers.map(mapComputer);
      },
      lookup: async (connectorId, { signal }) => {
        const computer = await client.computer(connectorId, signal);
        return computer ? mapComputer(computer) : null;
      },
    };
  },
};
