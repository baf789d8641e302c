import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { loadConfig } from '@devtrust/collector/config/config';
import { runBin } from '../support/bin.js';

/**
 * devtrust-collector took DEVTRUST_PUBLIC_URL=https://admin:pw@host and printed it in its start-up
 * banner and log, and handed it to agents and browsers (the OIDC issuer, the payloads); a URL
 * setting that did not parse was echoed whole, so a mistyped DEVTRUST_DATABASE_URL printed its
 * password. Now the public URL refuses a user name, password, query or fragment, the pages' URLs
 * (agent download, logo) a user name or password, and every refusal shows the value redacted.
 */
const SECRETS = ['admin-user', 's3cret-pass', 't0ken-abc', 'frag-xyz'];

describe('devtrust-collector never prints the secrets of a URL setting', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const made of dirs) rmSync(made, { recursive: true, force: true });
  });

  const cases: Array<[string, string, RegExp]> = [
    [
      'DEVTRUST_PUBLIC_URL',
      'https://admin-user:s3cret-pass@trust.example.com',
      /^devtrust-collector: bad configuration: DEVTRUST_PUBLIC_URL: must not hold a user name or password \(https:\/\/\*\*\*@trust\.example\.com\): it is the URL agents, browsers and applications are sent to/,
    ],
    [
      'DEVTRUST_PUBLIC_URL',
      'https://admin-user@trust.example.com/',
      /DEVTRUST_PUBLIC_URL: must not hold a user name or password \(https:\/\/\*\*\*@trust/,
    ],
    [
      'DEVTRUST_PUBLIC_URL',
      'https://trust.example.com/?token=t0ken-abc#frag-xyz',
      /DEVTRUST_PUBLIC_URL: must not hold a query or fragment \(https:\/\/trust\.example\.com\/…\): the collector's paths are appended/,
    ],
    [
      'DEVTRUST_PUBLIC_URL',
      'https://admin-user:s3cret-pass@trust.example.com:99999/?token=t0ken-abc',
      /DEVTRUST_PUBLIC_URL: "https:\/\/\*\*\*@trust\.example\.com:99999\/…" is not a URL/,
    ],
    [
      'DEVTRUST_DATABASE_URL',
      'postgres://admin-user:s3cret-pass@db.example.com:99999/devtrust?sslmode=t0ken-abc',
      /DEVTRUST_DATABASE_URL: "postgres:\/\/\*\*\*@db\.example\.com:99999\/devtrust…" is not a URL/,
    ],
    [
      'DEVTRUST_ORG_LOGO_URL',
      'https://admin-user:s3cret-pass@cdn.example.com/logo.png',
      /DEVTRUST_ORG_LOGO_URL: must not hold a user name or password \(https:\/\/\*\*\*@cdn\.example\.com\/logo\.png\): the prompt page sends every visitor to it/,
    ],
    [
      'DEVTRUST_AGENT_DOWNLOAD_URL',
      'https://admin-user:s3cret-pass@dl.example.com/',
      /DEVTRUST_AGENT_DOWNLOAD_URL: must not hold a user name/,
    ],
  ];

  it('refuses the setting before starting, in one line that names it and hides its secrets', async () => {
    for (const [variable, value, refusal] of cases) {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-config-url-'));
      dirs.push(dataDir);
      const r = await runBin('devtrust-collector', [], {
        env: { DEVTRUST_DATA_DIR: dataDir, DEVTRUST_HOST: '127.0.0.1', DEVTRUST_PORT: '0', [variable]: value },
      });
      const what = `${variable}=${value}`;
      assert.equal(r.code, 2, `${what}: ${r.stderr}`);
      for (const secret of SECRETS) assert.ok(!(r.stdout + r.stderr).includes(secret), `${what} shows ${secret}: ${r.stderr}`);
      assert.match(r.stderr, refusal, what);
    }
  });

  it('a page URL may still carry a query (a versioned logo, a download link), the public URL a path', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-config-url-'));
    dirs.push(dataDir);
    const config = loadConfig({
      DEVTRUST_DATA_DIR: dataDir,
      DEVTRUST_ORG_LOGO_URL: 'https://cdn.example.com/logo.png?v=2',
      DEVTRUST_AGENT_DOWNLOAD_URL: 'https://dl.example.com/agent?platform=mac',
      DEVTRUST_PUBLIC_URL: 'https://trust.example.com/devtrust/',
    });
    assert.equal(config.orgLogoUrl, 'https://cdn.example.com/logo.png?v=2');
    assert.equal(config.agentDownloadUrl, 'https://dl.example.com/agent?platform=mac');
    assert.equal(config.publicUrl, 'https://trust.example.com/devtrust');
  });
});
