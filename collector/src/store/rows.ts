/**
 * The rows of each table as the drivers return them: what the repositories read and write,
 * and nothing outside store/ ever sees. JSON columns are TEXT (see json.ts); booleans come
 * back as 0/1 from SQLite and true/false from PostgreSQL; bigint timestamps are numbers
 * (dialect.ts parses PostgreSQL's int8). Columns added by later migrations are optional
 * where a row built in code may leave them out.
 */

export interface SettingRow {
  key: string;
  value: string;
}

export interface ApiKeyRow {
  id: string;
  name: string;
  role: string;
  key_hash: string;
  created_at: number;
  last_used_at?: number | null;
  revoked_at?: number | null;
}

export interface EndpointRow {
  id: string;
  public_key: string;
  enrolled_at: number;
  last_seen_at: number;
  /** last_seen_at rounded down to the hour: the lastSeen listing's order (repos/endpoint-reads.ts). */
  last_seen_hour?: number | string;
  last_seq: number | string;
  platform?: string | null;
  hostname?: string | null;
  hardware_uuid?: string | null;
  serial_number?: string | null;
  machine_guid?: string | null;
  mac_addresses?: string | null;
  /** Not a column: the latest report, joined from the history ring (repos/endpoint-reads.ts). */
  report?: string | null;
  reports_stored?: number | string;
  blocked: boolean | number;
  approval?: string | null;
  approval_claims?: string | null;
  last_user?: string | null;
  last_verdict?: string | null;
  key_kind?: string | null;
  released_at?: number | null;
  /** Kinds the latest report holds a placeholder for, comma separated (migration 20261207100000). */
  placeholder_kinds?: string | null;
}

export interface IdentifierBindingRow {
  kind: string;
  value: string;
  endpoint_id: string;
  bound_at: number;
}

/** One holder an endpoint's approval_claims name: the index of those claims (repos/approval-claims.ts). */
export interface ApprovalClaimHolderRow {
  endpoint_id: string;
  holder_id: string;
}

export interface ReportRow {
  id: number;
  endpoint_id: string;
  received_at: number;
  seq: number | string;
  body: string;
}

export interface IntegrationRow {
  id: string;
  kind: string;
  category: string;
  name: string;
  /** integrationNameKey(name), unique: names are compared without case. */
  name_key: string | null;
  platforms: string;
  config: string;
  secrets: string | null;
  activation_mode: string;
  activation_groups: string;
  current_generation: string | null;
  synced_at: number | null;
  schedule: string | null;
  next_sync_at: number | null;
  lock_owner: string | null;
  lock_until: number | null;
  created_at: number;
  updated_at: number;
  trusted_endpoints_key?: string | null;
  trusted_endpoints_key_at?: number | null;
  /** The current inventory's duplicate and placeholder records, counted at its commit (JSON, InventoryFindings). */
  inventory_findings?: string | null;
}

export interface InventoryRecordRow {
  id: string;
  integration_id: string;
  generation: string;
  external_id: string | null;
  hardware_uuid: string | null;
  serial_number: string | null;
  machine_guid: string | null;
  device_name: string | null;
  platform: string | null;
  owner: string | null;
  managed: boolean | number | null;
  edr_connector_id: string | null;
  edr_status: string | null;
  edr_detail: string | null;
  edr_seen_at: number | null;
  posture_disk_encryption: boolean | number | null;
  posture_firewall: boolean | number | null;
  posture_os_version: string | null;
  placeholders: string | null;
  raw: string | null;
  mdm_device_id?: string | null;
}

export interface InventoryMacRow {
  record_id: string;
  integration_id: string;
  generation: string;
  mac: string;
}

export interface SyncRunRow {
  id: string;
  integration_id: string;
  status: string;
  trigger: string;
  started_at: number;
  finished_at?: number | null;
  pages: number | string;
  devices: number | string;
  error?: string | null;
  node: string | null;
  cancel_requested_at?: number | null;
  /** SQLite answers 0/1, PostgreSQL a boolean. */
  allow_empty?: boolean | number;
  error_code?: string | null;
}

export interface ApplicationRow {
  id: string;
  name: string;
  client_id: string;
  client_secret_hash: string;
  client_secret_sealed: string;
  redirect_uris: string;
  policy: string;
  /** 'summary' or 'full': how much of a verdict's reasons the application and its users see. */
  reason_detail: string;
  /** SHA-256 of what the name reads as (domain/application-name.ts), unique; null for a later look-alike found at upgrade. */
  name_key: string | null;
  created_at: number;
  updated_at: number;
}

export interface UserRow {
  username: string;
  groups: string;
  created_at: number;
  updated_at: number;
}

export interface TransactionRow {
  id: string;
  application_id: string;
  username: string;
  created_at: number;
  expires_at: number;
  state: string;
  verdict?: string | null;
  access?: string | null;
  reasons?: string | null;
  endpoint_id?: string | null;
  decided_at?: number | null;
  assurance?: string | null;
}

export interface AuthLogRow {
  id: number | string;
  at: number;
  transaction_id: string | null;
  application_id: string | null;
  application_name: string | null;
  username: string | null;
  endpoint_id: string | null;
  verdict: string;
  access: string;
  reasons: string;
  outcome?: string;
  assurance?: string | null;
}

export interface OidcPayloadRow {
  model: string;
  id: string;
  payload: string;
  grant_id: string | null;
  uid: string | null;
  user_code: string | null;
  expires_at: number | null;
  consumed_at: number | null;
}

export interface OidcKeyRow {
  kid: string;
  use: string;
  alg: string;
  public_jwk: string | null;
  private_sealed: string;
  created_at: number | string;
  activates_at: number | string;
}

export interface AdminLogRow {
  id: number | string;
  at: number;
  actor_kind: string;
  actor_key_id: string | null;
  actor_key_name: string | null;
  source_address: string | null;
  user_agent: string | null;
  resource_type: string;
  resource_id: string | null;
  action: string;
  before: string | null;
  after: string | null;
}
