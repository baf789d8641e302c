export type SyncStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';
export type SyncTrigger = 'manual' | 'schedule' | 'upload';

/** One run of an integration's sync (or one CSV upload). */
export interface SyncRun {
  id: string;
  integrationId: string;
  status: SyncStatus;
  trigger: SyncTrigger;
  startedAt: number;
  finishedAt: number | null;
  pages: number;
  devices: number;
  error: string | null;
  node: string | null;
  /** When an admin asked for the run to stop (it ends as `cancelled` soon after). */
  cancelRequestedAt: number | null;
  /**
   * An admin confirmed that this one run may empty the inventory, or remove more of it than the
   * integration's `maxInventoryDropPercent` (`POST …/sync?allowEmpty=true`). Scheduled runs never are.
   */
  allowEmpty: boolean;
  /** The stable code of a failed run (`VENDOR_EMPTY_INVENTORY`, `VENDOR_AUTH_FAILED`, …); null otherwise or when it had none. */
  errorCode: string | null;
}
