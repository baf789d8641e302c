import type { CopyableField } from '../main/ipc-channels.js';
import type { ConfirmationView } from '../main/confirm-view.js';
import type { StatusView } from '../main/status-view.js';

/**
 * What the preload puts on `window.devtrust`, and all the tray's windows can do. The main
 * process answers each call only from the page it belongs to (status or confirmation).
 */
export interface DevTrustApi {
  getStatus(): Promise<StatusView>;
  checkNow(): Promise<StatusView>;
  openLogs(): Promise<void>;
  openSupport(): Promise<void>;
  copyIdentifier(field: CopyableField): Promise<boolean>;
  /** Calls back on every status change; returns the unsubscribe function. */
  onStatus(callback: (view: StatusView) => void): () => void;
  /** The confirmation window: what to show, and the user's answer. */
  getConfirmation(): Promise<ConfirmationView | null>;
  answerConfirmation(allow: boolean): Promise<boolean>;
}

export type { ConfirmationView, CopyableField, StatusView };
