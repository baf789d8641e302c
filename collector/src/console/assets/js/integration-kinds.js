// What each integration kind asks for. The form is generated from this table, so a new
// vendor is one entry here. Secret fields are write-only: the API never returns them.

const baseUrl = { name: 'baseUrl', label: 'API base URL', type: 'url', placeholder: 'https://…' };
const secret = (name, label) => ({ name, label, secret: true });
const text = (name, label, extra = {}) => ({ name, label, ...extra });
/** How long an EDR verdict counts before it is treated as unknown. */
const freshness = text('freshnessMinutes', 'Status freshness (minutes)', { type: 'number', optional: true });
const ALL = ['windows', 'macos', 'linux', 'ios', 'android'];
const MOBILE_AND_DESKTOP = ['windows', 'macos', 'ios', 'android'];

export const PLATFORMS = [
  ['windows', 'Windows'],
  ['macos', 'macOS'],
  ['linux', 'Linux'],
  ['ios', 'iOS'],
  ['android', 'Android'],
];

/**
 * kind → { label, category, platforms it can cover, variants: [{ id, label, fields }] }. Kinds
 * with several ways to authenticate (Workspace ONE) list one variant per way; the first is the default.
 */
export const KINDS = [
  {
    kind: 'csv',
    label: 'CSV inventory (upload)',
    category: 'mdm',
    platforms: ALL,
    help: 'No connection needed: upload a CSV export after creating the integration.',
    variants: [{ id: 'default', fields: [text('description', 'Description', { optional: true })] }],
  },
  {
    kind: 'workspace-one',
    label: 'Workspace ONE UEM',
    category: 'mdm',
    platforms: MOBILE_AND_DESKTOP,
    variants: [
      {
        id: 'basic',
        label: 'Basic authentication',
        fields: [
          baseUrl,
          text('username', 'Username'),
          secret('password', 'Password'),
          secret('tenantCode', 'Tenant code (aw-tenant-code)'),
        ],
      },
      {
        id: 'oauth',
        label: 'OAuth client',
        fields: [
          baseUrl,
          text('clientId', 'Client ID'),
          secret('clientSecret', 'Client secret'),
          text('tokenUrl', 'Token URL', { type: 'url' }),
          secret('tenantCode', 'Tenant code (aw-tenant-code)'),
        ],
      },
    ],
  },
  {
    kind: 'mobileiron-core',
    label: 'Ivanti MobileIron Core',
    category: 'mdm',
    platforms: MOBILE_AND_DESKTOP,
    variants: [
      {
        id: 'default',
        fields: [
          baseUrl,
          text('username', 'Username'),
          secret('password', 'Password'),
          text('spaceId', 'Device space ID', { type: 'number' }),
        ],
      },
    ],
  },
  {
    kind: 'intune',
    label: 'Microsoft Intune',
    category: 'mdm',
    platforms: MOBILE_AND_DESKTOP,
    variants: [
      {
        id: 'default',
        fields: [
          text('tenantId', 'Directory (tenant) ID'),
          text('clientId', 'Application (client) ID'),
          secret('clientSecret', 'Client secret'),
          // Only for national clouds (US Gov, China); blank means the global Microsoft cloud.
          text('loginUrl', 'Login URL (national clouds only)', { type: 'url', optional: true }),
          text('graphUrl', 'Graph URL (national clouds only)', { type: 'url', optional: true }),
        ],
      },
    ],
  },
  {
    kind: 'jamf-pro',
    label: 'Jamf Pro',
    category: 'mdm',
    platforms: ['macos'],
    variants: [{ id: 'default', fields: [baseUrl, text('clientId', 'API client ID'), secret('clientSecret', 'API client secret')] }],
  },
  {
    kind: 'kandji',
    label: 'Kandji',
    category: 'mdm',
    platforms: ['macos', 'ios'],
    variants: [{ id: 'default', fields: [baseUrl, secret('apiToken', 'API token')] }],
  },
  {
    kind: 'cisco-secure-endpoint',
    label: 'Cisco Secure Endpoint',
    category: 'edr',
    platforms: ALL,
    variants: [{ id: 'default', fields: [baseUrl, text('clientId', '3rd-party API client ID'), secret('apiKey', 'API key'), freshness] }],
  },
  {
    kind: 'crowdstrike',
    label: 'CrowdStrike Falcon',
    category: 'edr',
    platforms: ALL,
    variants: [
      { id: 'default', fields: [baseUrl, text('clientId', 'API client ID'), secret('clientSecret', 'API client secret'), freshness] },
    ],
  },
  {
    kind: 'sentinelone',
    label: 'SentinelOne',
    category: 'edr',
    platforms: ['windows', 'macos', 'linux'],
    variants: [{ id: 'default', fields: [baseUrl, secret('apiToken', 'API token'), freshness] }],
  },
];

export const platformLabels = (platforms) => platforms.map((p) => PLATFORMS.find(([v]) => v === p)?.[1] ?? p).join(', ');
export const kindOf = (kind) => KINDS.find((k) => k.kind === kind) ?? null;
export const kindLabel = (kind) => kindOf(kind)?.label ?? kind;

/** The variant an existing integration uses, told by which of its fields are set. */
export function variantOf(kind, config, secretsSet) {
  const spec = kindOf(kind);
  if (!spec) return null;
  const present = new Set([...Object.keys(config ?? {}), ...(secretsSet ?? [])]);
  return (
    spec.variants.find((v) => v.fields.some((f) => present.has(f.name) && !spec.variants[0].fields.some((g) => g.name === f.name))) ??
    spec.variants[0]
  );
}
