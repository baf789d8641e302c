import { z } from 'zod';
import { baseUrlInput, credential, mappedPages, pageSizeField, pageSizeInput, textInput, vendorTest, vendorUrl } from '../kit/index.js';
import type { SourceKind } from '../source.js';
import { KANDJI_MAX_PAGE_SIZE, KANDJI_VENDOR, KandjiClient, type KandjiConfig } from './client.js';
import { KANDJI_DETAILS_PER_HOUR } from './details.js';
import { mapKandjiDevice } from './map.js';

/**
 * Kandji: Macs, iPhones and iPads, through an API token (Settings → Access → API Token,
 * with the "Device list" and "Device details" permissions). Default details budget:
 * 5,000 per hour (details.ts).
 */
export const kandjiKind: SourceKind<KandjiConfig> = {
  kind: 'kandji',
  category: 'mdm',
  label: 'Kandji',
  vendorName: KANDJI_VENDOR,
  capabilities: { sync: true, upload: false },
  configSchema: z.strictObject({
    baseUrl: vendorUrl,
    apiToken: credential,
    pageSize: pageSizeField(KANDJI_MAX_PAGE_SIZE),
    // Kandji allows 10,000 requests an hour per customer; the default leaves half for others.
    detailsPerHour: z.number().int().min(0).max(10_000).optional(),
  }),
  form: {
    fields: [
      baseUrlInput,
      textInput('apiToken', 'API token'),
      pageSizeInput(KANDJI_MAX_PAGE_SIZE),
      {
        name: 'detailsPerHour',
        label: 'Device details fetched per hour',
        type: 'number',
        optional: true,
        default: KANDJI_DETAILS_PER_HOUR,
        advanced: true,
      },
    ],
  },
  secretFields: ['apiToken'],
  hostFields: ['baseUrl'],
  platforms: ['macos', 'ios'],
  // Kandji lists iPhones and iPads too, but whether they are judged against it is the admin's
  // choice (as Jamf Pro's mobileDevices is): only Macs start ticked.
  defaultPlatforms: ['macos'],
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
