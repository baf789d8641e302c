import { z } from 'zod';
import { credential, mappedPages, pageSizeField, vendorTest, vendorUrl } from '../http/source-kit.js';
import type { SourceKind } from '../source.js';
import { MOBILEIRON_MAX_PAGE_SIZE, MOBILEIRON_VENDOR, MobileIronCoreClient, type MobileIronCoreConfig } from './client.js';
import { mapMobileIronDevice } from './map.js';

/** MobileIron Core (now Ivanti EPMM): every platform it manages, one admin device space per integration. */
export const mobileIronCoreKind: SourceKind<MobileIronCoreConfig> = {
  kind: 'mobileiron-core',
  category: 'mdm',
  vendorName: MOBILEIRON_VENDOR,
  configSchema: z.strictObject({
    baseUrl: vendorUrl,
    username: credential,
    password: credential,
    spaceId: z.number().int().min(1),
    pageSize: pageSizeField(MOBILEIRON_MAX_PAGE_SIZE),
  }),
  secretFields: ['password'],
  hostFields: ['baseUrl'],
  platforms: ['windows', 'macos', 'ios', 'android'],
  defaultIntervalMinutes: null,
  create(config, deps) {
    const client = new MobileIronCoreClient(config, deps);
    return {
      test: (ctx) =>
        vendorTest(async () => `Connected to ${MOBILEIRON_VENDOR}: ${await client.count(ctx)} devices in device space ${config.spaceId}`),
      pages: (ctx) => mappedPages(client.pages(ctx), mapMobileIronDevice),
    };
  },
};
