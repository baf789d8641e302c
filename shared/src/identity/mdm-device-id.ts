import { LIMITS } from '../protocol/limits.js';

/**
 * MDM-asserted identity: the MDM pushes its own ID for the device (with the integration's
 * configuration key) through managed configuration, and the device reports it back. These
 * are the names of the two managed settings, the same on every platform, and each MDM's
 * variable that the MDM replaces with its device ID when it delivers the configuration.
 */
export const TRUSTED_ENDPOINT_SETTINGS = { key: 'trustedEndpointsKey', identifier: 'trustedEndpointIdentifier' } as const;

export interface MdmDeviceIdVariable {
  /** What the admin types into the MDM's configuration; the MDM replaces it per device. */
  variable: string;
  /** The vendor field of the synced inventory that holds the same ID. */
  field: string;
}

/**
 * By integration kind. Workspace ONE's lookup value {DeviceUid} is the device UDID;
 * MobileIron Core's $DEVICE_UUID$ is `common.uuid`; Intune's {{DeviceId}} is the managed
 * device `id`; Jamf Pro's $UDID is the computer's (or mobile device's) UDID; Kandji's
 * $DEVICE_ID is the `device_id` of its device list.
 */
export const MDM_DEVICE_ID_VARIABLES: Readonly<Record<string, MdmDeviceIdVariable>> = {
  'workspace-one': { variable: '{DeviceUid}', field: 'Udid' },
  'mobileiron-core': { variable: '$DEVICE_UUID$', field: 'common.uuid' },
  intune: { variable: '{{DeviceId}}', field: 'id' },
  'jamf-pro': { variable: '$UDID', field: 'udid' },
  kandji: { variable: '$DEVICE_ID', field: 'device_id' },
};

/**
 * What a trusted endpoint identifier may look like on the wire: 1–256 printable ASCII
 * characters, no spaces. Every MDM's device ID is a GUID, a UDID or hex; the variables
 * themselves ({DeviceUid}, $UDID) fit too, so an unfilled one is reported and explained.
 * No control or bidi character can reach a verdict reason through it.
 */
export const MDM_DEVICE_ID_PATTERN = /^[\x21-\x7e]{1,256}$/;

/**
 * A value that still holds an MDM variable: `$…`, `%…%`, or braces around something that is
 * not hex (`{DeviceUid}`, `{{DeviceId}}`; a GUID written `{5A1E…}` is an ID). The MDM did not
 * replace it (a typo, or a configuration channel that does not substitute). Never an ID.
 */
export function unresolvedMdmVariable(raw: string): boolean {
  return /[$%]/.test(raw) || /\{[^{}]*[^0-9A-Fa-f\s{}-][^{}]*\}/.test(raw);
}

/**
 * Normalises an MDM device ID as identifiers are (case, braces, dashes, whitespace never
 * distinguish two IDs); null when empty, too long, an unreplaced variable, all zeros, or not
 * what the wire takes (printable ASCII: a vendor value with a lone surrogate or a control
 * character could never be asserted, and must not be stored).
 */
export function normalizeMdmDeviceId(raw: unknown): string | null {
  if (typeof raw !== 'string' && typeof raw !== 'number') return null;
  const text = String(raw).normalize('NFKC');
  if (unresolvedMdmVariable(text)) return null;
  const value = text.replace(/[\s{}-]/g, '').toUpperCase();
  if (value.length === 0 || value.length > LIMITS.maxIdentifierLength || /^0+$/.test(value)) return null;
  return MDM_DEVICE_ID_PATTERN.test(value) ? value : null;
}
