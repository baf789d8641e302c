import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { collectorOn, type CollectorOnDatabase } from '../support/collector-on.js';
import { DATABASES } from '../support/postgres.js';
import { describeUnless } from '../support/skip.js';

/**
 * An integration's public config (client IDs, user names, URLs) is stored in the clear and shown
 * to every admin in the console's form and in devtrustctl: it is display text. A client ID of
 * `abc` ESC `[31mRED` U+202E `EVIL` BEL was accepted (201) and the console's Client ID field
 * read "EVIL" reversed. Secrets are sealed and never shown: they keep taking any text.
 */
const LURE = 'abc\u001b[31mRED\u202eEVIL\u0007';
const URL_LURE = 'https://jamf.example.com/\u202eevil';
const BLANK = 'abc\u034f';

interface Kind {
  kind: string;
  platforms: string[];
  config: Record<string, unknown>;
  /** The public text fields, each refused with a lure in it. */
  shown: string[];
  /** Secret fields, which keep accepting the same text. */
  secret: string[];
}

const KINDS: Kind[] = [
  {
    kind: 'jamf-pro',
    platforms: ['macos'],
    config: { baseUrl: 'https://jamf.example.com', clientId: 'jamf-client', clientSecret: 's3cret' },
    shown: ['clientId', 'baseUrl'],
    secret: ['clientSecret'],
  },
  {
    kind: 'intune',
    platforms: ['windows'],
    config: { tenantId: 'contoso.onmicrosoft.com', clientId: '6f1c2b7e-0000-4000-8000-000000000001', clientSecret: 's3cret' },
    shown: ['clientId', 'tenantId'],
    secret: ['clientSecret'],
  },
  {
    kind: 'kandji',
    platforms: ['macos'],
    config: { baseUrl: 'https://acme.api.kandji.io', apiToken: 'tok' },
    shown: ['baseUrl'],
    secret: ['apiToken'],
  },
  {
    kind: 'workspace-one',
    platforms: ['windows'],
    config: { baseUrl: 'https://as1.awmdm.com', username: 'api-reader', password: 'pw', tenantCode: 'code' },
    shown: ['username', 'baseUrl'],
    secret: ['password', 'tenantCode'],
  },
  {
    kind: 'workspace-one',
    platforms: ['windows'],
    config: {
      baseUrl: 'https://as1.awmdm.com',
      clientId: 'ws1-client',
      clientSecret: 'cs',
      tokenUrl: 'https://na.uemauth.vmwservices.com/connect/token',
      tenantCode: 'code',
    },
    shown: ['clientId', 'tokenUrl'],
    secret: ['clientSecret'],
  },
  {
    kind: 'mobileiron-core',
    platforms: ['windows'],
    config: { baseUrl: 'https://core.example.com', username: 'api-reader', password: 'pw', spaceId: 1 },
    shown: ['username'],
    secret: ['password'],
  },
  {
    kind: 'crowdstrike',
    platforms: ['windows'],
    config: { baseUrl: 'https://api.crowdstrike.com', clientId: 'falcon-client', clientSecret: 'cs' },
    shown: ['clientId'],
    secret: ['clientSecret'],
  },
  {
    kind: 'cisco-secure-endpoint',
    platforms: ['windows'],
    config: { baseUrl: 'https://api.amp.cisco.com', clientId: 'amp-client', apiKey: 'key' },
    shown: ['clientId'],
    secret: ['apiKey'],
  },
];

for (const database of DATABASES) {
  describeUnless(database.skip)(`an integration's public config is display text (${database.name})`, () => {
    let c: CollectorOnDatabase;
    let made = 0;
    // Names are unique: each integration its own.
    const create = (k: Kind, config: Record<string, unknown>) =>
      c.admin('POST', '/admin/v1/integrations', { kind: k.kind, name: `${k.kind} ${++made}`, platforms: k.platforms, config });

    beforeAll(async () => {
      c = await collectorOn(database.name);
    });
    afterAll(async () => {
      await c?.close();
    });

    it('refuses a control, bidi or invisible character in each shown field with 400 INVALID_REQUEST naming the field', async () => {
      const before = JSON.stringify((await c.admin('GET', '/admin/v1/integrations')).body);
      for (const k of KINDS) {
        for (const field of k.shown) {
          const lures = field.endsWith('Url') ? [URL_LURE, `${k.config[field] as string}\n`] : [LURE, BLANK];
          for (const lure of lures) {
            const refused = await create(k, { ...k.config, [field]: lure });
            const what = `${k.kind}.${field} = ${JSON.stringify(lure)}`;
            assert.equal(refused.status, 400, `${what}: ${JSON.stringify(refused.body)}`);
            assert.equal(refused.body.error.code, 'INVALID_REQUEST', what);
            assert.equal(refused.body.error.field, `config.${field}`, what);
            // The tenant ID was held to a GUID or domain before: its own message says so.
            if (field !== 'tenantId') assert.match(refused.body.error.message, /control or bidirectional characters \(found U\+/, what);
          }
        }
      }
      // Nothing was stored.
      assert.equal(JSON.stringify((await c.admin('GET', '/admin/v1/integrations')).body), before);
    });

    it('refuses the same in a change of an existing integration', async () => {
      const jamf = KINDS[0] as Kind;
      const created = await create(jamf, jamf.config);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const refused = await c.admin('PATCH', `/admin/v1/integrations/${created.body.id}`, { config: { clientId: LURE } });
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      assert.equal(refused.body.error.field, 'config.clientId');
      assert.equal((await c.admin('GET', `/admin/v1/integrations/${created.body.id}`)).body.config.clientId, 'jamf-client');
      assert.equal((await c.admin('DELETE', `/admin/v1/integrations/${created.body.id}`)).status < 300, true);
    });

    it('accepts the normal values, and any text in the secret fields (sealed, never shown)', async () => {
      for (const k of KINDS) {
        const normal = await create(k, k.config);
        assert.equal(normal.status, 201, `${k.kind}: ${JSON.stringify(normal.body)}`);
        const secrets = Object.fromEntries(k.secret.map((field) => [field, LURE]));
        const secret = await create(k, { ...k.config, ...secrets });
        assert.equal(secret.status, 201, `${k.kind} with odd secrets: ${JSON.stringify(secret.body)}`);
      }
    });
  });
}
