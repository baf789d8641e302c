import { z } from 'zod';
import {
  baseUrlInput,
  credential,
  mappedPages,
  pageSizeField,
  pageSizeInput,
  publicCredential,
  textInput,
  vendorTest,
  vendorUrl,
} from '../kit/index.js';
import type { SourceKind } from '../source.js';
import { DEFAULT_PAGE_SIZE, JAMF_MAX_PAGE_SIZE, JAMF_VENDOR, JamfProClient, type JamfProConfig } from './client.js';
import { mapJamfComputer, mapJamfMobileDevice } from './map.js';

/**
 * Jamf Pro: the Mac inventory and, with `mobileDevices: true`, iPhones and iPads, through an
 * API client (Settings → API roles and clients).
 */
export const jamfProKind: SourceKind<JamfProConfig> = {
  kind: 'jamf-pro',
  category: 'mdm',
  label: 'Jamf Pro',
  vendorName: JAMF_VENDOR,
  capabilities: { sync: true, upload: false },
  configSchema: z.strictObject({
    baseUrl: vendorUrl,
    clientId: publicCredential(),
    clientSecret: credential,
    pageSize: pageSizeField(JAMF_MAX_PAGE_SIZE),
    mobileDevices: z.boolean().optional(),
  }),
  form: {
    fields: [
      baseUrlInput,
      textInput('clientId', 'API client ID'),
      textInput('clientSecret', 'API client secret'),
      {
        name: 'mobileDevices',
        label: 'Also sync iPhones and iPads (needs "Read Mobile Devices")',
        type: 'boolean',
        optional: true,
        default: false,
      },
      pageSizeInput(DEFAULT_PAGE_SIZE),
    ],
  },
  secretFields: ['clientSecret'],
  hostFields: ['baseUrl'],
  platforms: ['macos', 'ios'],
  // iPhones and iPads are listed only with mobileDevices, which starts unset.
  defaultPlatforms: ['macos'],
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
