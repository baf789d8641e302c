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
import {
  DEFAULT_PAGE_SIZE,
  MOBILEIRON_MAX_PAGE_SIZE,
  MOBILEIRON_VENDOR,
  MobileIronCoreClient,
  type MobileIronCoreConfig,
} from './client.js';
import { mapMobileIronDevice } from './map.js';

/** MobileIron Core (now Ivanti EPMM): every platform it manages, one admin device space per integration. */
export const mobileIronCoreKind: SourceKind<MobileIronCoreConfig> = {
  kind: 'mobileiron-core',
  category: 'mdm',
  label: 'Ivanti MobileIron Core',
  vendorName: MOBILEIRON_VENDOR,
  capabilities: { sync: true, upload: false },
  configSchema: z.strictObject({
    baseUrl: vendorUrl,
    username: publicCredential(),
    password: credential,
    spaceId: z.number().int().min(1),
    pageSize: pageSizeField(MOBILEIRON_MAX_PAGE_SIZE),
  }),
  form: {
    fields: [
      baseUrlInput,
      textInput('username', 'Username'),
      textInput('password', 'Password'),
      { name: 'spaceId', label: 'Device space ID', type: 'number' },
      pageSizeInput(DEFAULT_PAGE_SIZE),
    ],
  },
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
