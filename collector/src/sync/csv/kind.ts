import { z } from 'zod';
import { displaySafeString, PLATFORMS } from '@devtrust/shared/identity';
import { textInput } from '../kit/index.js';
import type { SourceKind } from '../source.js';

/**
 * CSV inventories are uploaded (`PUT …/inventory`), not fetched; the kind exists so a
 * CSV integration is configured, activated and matched like every other inventory.
 */
export const csvKind: SourceKind<{ description?: string }> = {
  kind: 'csv',
  category: 'mdm',
  label: 'CSV inventory (upload)',
  vendorName: 'CSV upload',
  capabilities: { sync: false, upload: true },
  // Shown to every admin (console, devtrustctl): display text, as integration names are. Empty
  // stays allowed, as before; nothing is trimmed, so what is stored is what was sent.
  configSchema: z.strictObject({ description: displaySafeString(500).optional() }),
  form: {
    help: 'No connection needed: upload a CSV export after creating the integration.',
    fields: [textInput('description', 'Description', { optional: true })],
  },
  secretFields: [],
  hostFields: [],
  platforms: PLATFORMS,
  defaultIntervalMinutes: null,
  create: () => ({
    test: async () => ({
      ok: true,
      message:
        'CSV inventories need no connection: upload one with PUT /admin/v1/integrations/:id/inventory (devtrustctl integration upload ID FILE)',
    }),
    // eslint-disable-next-line require-yield
    pages: async function* () {
      throw new Error('a CSV inventory is uploaded, not synced: use PUT /admin/v1/integrations/:id/inventory');
    },
  }),
};
