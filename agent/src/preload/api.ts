import type { CopyableField } from '../main/ipc-channels.js';
import type { StatusView } from '../main/status-view.js';

/** What the preload puts on `window.devtrust`, and all the status window can do. */
export interface DevTrustApi {
  getStatus(): Promise<StatusView>;
  checkNow(): Promise<StatusView>;
  openLogs(): Promise<void>;
  openSupport(): Promise<void>;
  copyIdentifier(field: CopyableField): Promise<boolean>;
  /** Calls back on every status change; returns the unsubscribe function. */
  onStatus(callback: (view: StatusView) => void): () => void;
}

export type { CopyableField, StatusView };
