import { CONFIG_KEY_PATTERN } from '@devtrust/shared/crypto';
import { MDM_DEVICE_ID_VARIABLES, TRUSTED_ENDPOINT_SETTINGS } from '@devtrust/shared/identity';
import { UsageError, type Flags } from './args.js';
import { toPlistXml } from './macos/plist.js';

/** The two managed settings of MDM-asserted identity, as a payload carries them. */
export interface TrustedEndpointSettings {
  trustedEndpointsKey: string;
  /** The MDM's device ID variable, which the MDM fills in per device when it delivers the payload. */
  trustedEndpointIdentifier: string;
}

/** Bundle ID (iOS) and package name (Android) of the mobile client the app configurations are for. */
export const MOBILE_APP_ID = 'com.devtrust.agent';

/**
 * `--mdm KIND --trusted-endpoints-key KEY`: both or neither. The identifier is never typed
 * by hand: it is the MDM's own variable for its device ID, from one table the collector
 * shares (so the payload and the integration page cannot disagree).
 */
export function trustedEndpointSettings(mdm: Flags[string] | undefined, key: Flags[string] | undefined): TrustedEndpointSettings | null {
  if (mdm === undefined && key === undefined) return null;
  if (typeof mdm !== 'string' || typeof key !== 'string')
    throw new UsageError('--mdm and --trusted-endpoints-key go together (the key is on the integration page of the collector)');
  const entry = MDM_DEVICE_ID_VARIABLES[mdm];
  if (!entry) throw new UsageError(`--mdm must be one of ${Object.keys(MDM_DEVICE_ID_VARIABLES).join(', ')}`);
  if (!CONFIG_KEY_PATTERN.test(key.trim()))
    throw new UsageError("--trusted-endpoints-key must be the integration's configuration key (dtc_ and 43 characters)");
  return { trustedEndpointsKey: key.trim(), trustedEndpointIdentifier: entry.variable };
}

/**
 * iOS managed app configuration: the dictionary Workspace ONE, MobileIron Core, Intune
 * ("Enter XML data") and Jamf Pro take as an app's configuration, a plist <dict> of
 * strings. The MDM replaces the variable when it delivers it to the app.
 */
export function buildIosAppConfig(settings: TrustedEndpointSettings): string {
  return toPlistXml({
    [TRUSTED_ENDPOINT_SETTINGS.key]: settings.trustedEndpointsKey,
    [TRUSTED_ENDPOINT_SETTINGS.identifier]: settings.trustedEndpointIdentifier,
  });
}

/**
 * Android managed configuration (app restrictions) in the managed Google Play shape an
 * EMM stores: string properties by key, for the mobile client's package.
 */
export function buildAndroidManagedConfig(settings: TrustedEndpointSettings): string {
  const config = {
    kind: 'androidenterprise#managedConfiguration',
    productId: `app:${MOBILE_APP_ID}`,
    managedProperty: [
      { key: TRUSTED_ENDPOINT_SETTINGS.key, valueString: settings.trustedEndpointsKey },
      { key: TRUSTED_ENDPOINT_SETTINGS.identifier, valueString: settings.trustedEndpointIdentifier },
    ],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
