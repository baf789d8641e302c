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
}
