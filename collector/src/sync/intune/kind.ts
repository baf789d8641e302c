import { z } from 'zod';
import { credential, mappedPages, pageSizeField, pageSizeInput, publicCredential, textInput, vendorTest, vendorUrl } from '../kit/index.js';
import type { SourceKind } from '../source.js';
import {
  DEFAULT_GRAPH_URL,
  DEFAULT_LOGIN_URL,
  DEFAULT_PAGE_SIZE,
  INTUNE_MAX_PAGE_SIZE,
  INTUNE_VENDOR,
  IntuneClient,
  type IntuneConfig,
} from './client.js';
import { mapIntuneDevice } from './map.js';

/** Microsoft Intune, through Microsoft Graph with an Entra ID app registration. */
export const intuneKind: SourceKind<IntuneConfig> = {
  kind: 'intune',
  category: 'mdm',
  label: 'Microsoft Intune',
  vendorName: INTUNE_VENDOR,
  capabilities: { sync: true, upload: false },
  configSchema: z.strictObject({
    // A GUID or a domain: it becomes a path segment of the token URL, so nothing else.
    tenantId: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,253}$/, 'must be a tenant ID (GUID) or domain'),
    clientId: publicCredential(),
    clientSecret: credential,
    loginUrl: vendorUrl.optional(),
    graphUrl: vendorUrl.optional(),
    pageSize: pageSizeField(INTUNE_MAX_PAGE_SIZE),
  }),
  form: {
    fields: [
      textInput('tenantId', 'Directory (tenant) ID'),
      textInput('clientId', 'Application (client) ID'),
      textInput('clientSecret', 'Client secret'),
      // Only for national clouds (US Gov, China); blank means the global Microsoft cloud.
      { name: 'loginUrl', label: 'Login URL (national clouds only)', type: 'url', optional: true, default: DEFAULT_LOGIN_URL },
      { name: 'graphUrl', label: 'Graph URL (national clouds only)', type: 'url', optional: true, default: DEFAULT_GRAPH_URL },
      pageSizeInput(DEFAULT_PAGE_SIZE),
    ],
  },
  secretFields: ['clientSecret'],
  hostFields: ['loginUrl', 'graphUrl'],
  platforms: ['windows', 'macos', 'ios', 'android'],
  defaultIntervalMinutes: null,
  create(config, deps) {
    const client = new IntuneClient(config, deps);
    return {
      test: (ctx) =>
        vendorTest(async () => {
          await client.probe(ctx);
          return `Connected to ${INTUNE_VENDOR}: managed devices are readable`;
        }),
      pages: (ctx) => mappedPages(client.pages(ctx), mapIntuneDevice),
    };
  },
};
