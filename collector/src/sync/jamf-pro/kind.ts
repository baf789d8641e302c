import { z } from 'zod';
import { credential, mappedPages, pageSizeField, vendorTest, vendorUrl } from '../http/source-kit.js';
import type { SourceKind } from '../source.js';
import { JAMF_MAX_PAGE_SIZE, JAMF_VENDOR, JamfProClient, type JamfProConfig } from './client.js';
import { mapJamfComputer, mapJamfMobileDevice } from './map.js';

/**
 * Jamf Pro: the Mac inventory and, with `mobileDevices: true`, iPhones and iPads, through an
 * API client (Settings → API roles and clients).
 */
export const jamfProKind: SourceKind<JamfProConfig> = {
  kind: 'jamf-pro',
  category: 'mdm',
  vendorName: JAMF_VENDOR,
  configSchema: z.strictObject({
    baseUrl: vendorUrl,
    clientId: credential,
    clientSecret: credential,
    pageSize: pageSizeField(JAMF_MAX_PAGE_SIZE),
    mobileDevices: z.boolean().optional(),
  }),
  secretFields: ['clientSecret'],
  hostFields: ['baseUrl'],
  platforms: ['macos', 'ios'],
  defaultIntervalMinutes: null,
  create(config, deps) {
    const client = new JamfProClient(config, deps);
    return {
      test: (ctx) => vendorTest(async () => `Connected to ${JAMF_VENDOR}: ${await client.count(ctx)} computers`),
      pages: async function* (ctx) {
        yield* mappedPages(client.pages(ctx), mapJamfComputer);
        if (config.mobileDevices) yield* mappedPages(client.mobilePages(ctx), mapJamfMobileDevice);
      },
    };
  },
};
