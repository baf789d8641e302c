import type { Knex } from 'knex';
import * as init from './20261123120000_init.js';
import * as oidc from './20261124090000_oidc.js';
import * as lookupIndexes from './20261124100000_lookup_indexes.js';
import * as foreignKeyIndexes from './20261130110000_foreign_key_indexes.js';
import * as authLogOutcome from './20261130120000_auth_log_outcome.js';
import * as approvalAndVendorPosture from './20261130140000_approval_and_vendor_posture.js';
import * as adminLog from './20261201100000_admin_log.js';
import * as pagingIndexes from './20261201200000_paging_indexes.js';
import * as uniqueIntegrationNames from './20261201300000_unique_integration_names.js';
import * as applicationReasonDetail from './20261201300100_application_reason_detail.js';
import * as mdmAssertedIdentity from './20261201400000_mdm_asserted_identity.js';
import * as identityAssurance from './20261201500000_identity_assurance.js';
import * as dropReportsSeqIndex from './20261202300000_drop_reports_seq_index.js';
import * as reportHistorySlots from './20261203300000_report_history_slots.js';
import * as latestReportInHistory from './20261204100000_latest_report_in_history.js';
import * as lastSeenHour from './20261204100100_last_seen_hour.js';
import * as syncRunConfirmation from './20261205300000_sync_run_confirmation.js';
import * as approvalClaimHolders from './20261206100000_approval_claim_holders.js';
import * as endpointMacs from './20261207100000_endpoint_macs.js';
import * as findingsAtScale from './20261207100000_findings_at_scale.js';
import * as applicationNameKey from './20261208100000_application_name_key.js';

/**
 * Migrations are listed here rather than found on disk, so the same list runs from
 * TypeScript sources in tests and from compiled JavaScript in production.
 * Append new migrations at the end; never edit or reorder released ones.
 */
const MIGRATIONS: Record<string, Knex.Migration> = {
  '20261123120000_init': init,
  '20261124090000_oidc': oidc,
  '20261124100000_lookup_indexes': lookupIndexes,
  '20261130110000_foreign_key_indexes': foreignKeyIndexes,
  '20261130120000_auth_log_outcome': authLogOutcome,
  '20261130140000_approval_and_vendor_posture': approvalAndVendorPosture,
  '20261201100000_admin_log': adminLog,
  '20261201200000_paging_indexes': pagingIndexes,
  '20261201300000_unique_integration_names': uniqueIntegrationNames,
  '20261201300100_application_reason_detail': applicationReasonDetail,
  '20261201400000_mdm_asserted_identity': mdmAssertedIdentity,
  '20261201500000_identity_assurance': identityAssurance,
  '20261202300000_drop_reports_seq_index': dropReportsSeqIndex,
  '20261203300000_report_history_slots': reportHistorySlots,
  '20261204100000_latest_report_in_history': latestReportInHistory,
  '20261204100100_last_seen_hour': lastSeenHour,
  '20261205300000_sync_run_confirmation': syncRunConfirmation,
  '20261206100000_approval_claim_holders': approvalClaimHolders,
  '20261207100000_endpoint_macs': endpointMacs,
  '20261207100000_findings_at_scale': findingsAtScale,
  '20261208100000_application_name_key': applicationNameKey,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(MIGRATIONS),
  getMigrationName: (name) => name,
  getMigration: async (name) => {
    const migration = MIGRATIONS[name];
    if (migration === undefined) throw new Error(`unknown migration ${name}`);
    return migration;
  },
};
