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
import { DEFAULT_PAGE_SIZE, WS1_MAX_PAGE_SIZE, WS1_VENDOR, WorkspaceOneClient, type WorkspaceOneConfig } from './client.js';
import { mapWorkspaceOneDevice } from './map.js';

const common = { baseUrl: vendorUrl, tenantCode: credential, pageSize: pageSizeField(WS1_MAX_PAGE_SIZE) };
const basicSchema = z.strictObject({ ...common, username: publicCredential(), password: credential });
const oauthSchema = z.strictObject({ ...common, clientId: publicCredential(), clientSecret: credential, tokenUrl: vendorUrl });
const OAUTH_FIELDS = ['clientId', 'clientSecret', 'tokenUrl'];
const BASIC_FIELDS = ['username', 'password'];

/**
 * Exactly one authentication mode: Basic (`username`, `password`) or OAuth (`clientId`,
 * `clientSecret`, `tokenUrl`). The fields present pick the mode, so an error names the
 * missing or stray field of that mode rather than "matches neither".
 */
const configSchema = z.unknown().transform((value, ctx): WorkspaceOneConfig => {
  const keys = typeof value === 'object' && value !== null ? Object.keys(value) : [];
  const oauth = keys.some((k) => OAUTH_FIELDS.includes(k));
  if (oauth && keys.some((k) => BASIC_FIELDS.includes(k))) {
    ctx.addIssue({
      code: 'custom',
      message: 'give either username and password, or clientId, clientSecret and tokenUrl, not both',
      path: [],
    });
    return z.NEVER;
  }
  const parsed = (oauth ? oauthSchema : basicSchema).safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const unknownField = issue.code === 'unrecognized_keys';
    ctx.addIssue({
      code: 'custom',
      path: unknownField ? [...issue.path, issue.keys[0] ?? ''] : issue.path,
      message: unknownField ? 'unknown field' : issue.message,
    });
  }
  return z.NEVER;
});

/** Workspace ONE UEM (AirWatch): Windows, macOS, iOS and Android devices of one tenant. */
export const workspaceOneKind: SourceKind<WorkspaceOneConfig> = {
  kind: 'workspace-one',
  category: 'mdm',
  label: 'Workspace ONE UEM',
  vendorName: WS1_VENDOR,
  capabilities: { sync: true, upload: false },
  configSchema,
  form: {
    fields: [
      baseUrlInput,
      textInput('username', 'Username'),
      textInput('password', 'Password'),
      textInput('clientId', 'Client ID'),
      textInput('clientSecret', 'Client secret'),
      { name: 'tokenUrl', label: 'Token URL', type: 'url' },
      textInput('tenantCode', 'Tenant code (aw-tenant-code)'),
      pageSizeInput(DEFAULT_PAGE_SIZE),
    ],
    variants: [
      { id: 'basic', label: 'Basic authentication', fields: ['baseUrl', 'username', 'password', 'tenantCode'] },
      { id: 'oauth', label: 'OAuth client', fields: ['baseUrl', 'clientId', 'clientSecret', 'tokenUrl', 'tenantCode'] },
    ],
  },
  // The tenant code is Workspace ONE's REST API key: a credential, so sealed as well.
  secretFields: ['tenantCode', 'password', 'clientSecret'] as (keyof WorkspaceOneConfig & string)[],
  hostFields: ['baseUrl', 'tokenUrl'] as (keyof WorkspaceOneConfig & string)[],
  platforms: ['windows', 'macos', 'ios', 'android'],
  defaultIntervalMinutes: null,
  create(config, deps) {
    const client = new WorkspaceOneClient(config, deps);
    return {
      test: (ctx) => vendorTest(async () => `Connected to ${WS1_VENDOR}: ${await client.count(ctx)} devices`),
      pages: (ctx) => mappedPages(client.pages(ctx), mapWorkspaceOneDevice),
    };
  },
};
