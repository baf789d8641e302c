import { z } from 'zod';
import { credential, mappedPages, pageSizeField, vendorTest, vendorUrl } from '../http/source-kit.js';
import type { SourceKind } from '../source.js';
import { KANDJI_MAX_PAGE_SIZE, KANDJI_VENDOR, KandjiClient, type KandjiConfig } from './client.js';
import { mapKandjiDevice } from './map.js';

/** Kandji: Macs, iPhones and iPads, through an API token (Settings → Access → API Token). */
export const kandjiKind: SourceKind<KandjiConfig> = {
  kind: 'kandji',
  category: 'mdm',
  vendorName: KANDJI_VENDOR,
  configSchema: z.strictObject({ baseUrl: vendorUrl, apiToken: credential, pageSize: pageSizeField(KANDJI_MAX_PAGE_SIZE) }),
  secretFields: ['apiToken'],
  hostFields: ['baseUrl'],
  platforms: ['macos', 'ios'],
  defaultIntervalMinutes: null,
  create(config, deps) {
    const client = new KandjiClient(config, deps);
    return {
      test: (ctx) =>
        vendorTest(async () => {
          await client.probe(ctx);
          return `Connected to ${KANDJI_VENDOR}: the device list is readable`;
        }),
      pages: (ctx) => mappedPages(client.pages(ctx), mapKandjiDevice),
    };
  },
};
