/**
 * Every IPC channel between the tray's windows (status, confirmation) and the main
 * process, in one place.
 * The preload (which cannot import at run time: sandboxed preloads get no module
 * loader) repeats the strings and is type-checked against this list.
 */
export const IPC_CHANNELS = {
  /** invoke → StatusView */
  getStatus: 'devtrust:get-status',
  /** invoke → StatusView, after a fresh report */
  checkNow: 'devtrust:check-now',
  /** invoke → void: the log folder in the file manager */
  openLogs: 'devtrust:open-logs',
  /** invoke → void: the managed support URL in the browser */
  openSupport: 'devtrust:open-support',
  /** invoke(field) → boolean: one identifier to the clipboard, for the help desk */
  copyIdentifier: 'devtrust:copy-identifier',
  /** main → renderer push: StatusView */
  statusChanged: 'devtrust:status-changed',
  /** invoke → ConfirmationView | null: what the confirmation window shows (its page only) */
  getConfirmation: 'devtrust:get-confirmation',
  /** invoke(allow: boolean) → boolean: the user's answer (the confirmation page only) */
  answerConfirmation: 'devtrust:answer-confirmation',
} as const;

export type IpcChannelName = keyof typeof IPC_CHANNELS;
export type IpcChannel = (typeof IPC_CHANNELS)[IpcChannelName];

/** The identifier fields the window may ask to copy. */
export const COPYABLE_FIELDS = ['hardwareUuid', 'serialNumber', 'machineGuid', 'hostname', 'endpointId'] as const;
export type CopyableField = (typeof COPYABLE_FIELDS)[number];
