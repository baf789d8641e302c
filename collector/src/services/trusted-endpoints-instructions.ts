import type { Platform } from '@devtrust/shared/identity';
import { TRUSTED_ENDPOINT_SETTINGS } from '@devtrust/shared/identity';
import type { Integration } from '../domain/integration.js';

/** One platform's configuration instructions, as the integration page shows them. */
export interface PlatformInstructions {
  platform: 'macos' | 'windows' | 'ios' | 'android';
  title: string;
  /** Where the two settings go on this platform. */
  where: string;
  settings: { name: string; value: string }[];
  steps: string[];
}

const AGENT_DOMAIN = 'com.devtrust.agent';
const POLICY_KEY = 'HKLM\\SOFTWARE\\Policies\\DevTrust\\Agent';

/**
 * Per platform the integration covers: the same two settings (the key as is, the MDM's
 * variable as the identifier), and where this platform's managed configuration puts them.
 * Pure: the page and the API show exactly this.
 */
export function trustedEndpointInstructions(integration: Integration, key: string, variable: string): PlatformInstructions[] {
  const settings = [
    { name: TRUSTED_ENDPOINT_SETTINGS.key, value: key },
    { name: TRUSTED_ENDPOINT_SETTINGS.identifier, value: variable },
  ];
  const generate = `devtrust-installers payloads --mdm ${integration.kind} --trusted-endpoints-key <the key> --collector … --enrollment-key … --out DIR`;
  const all: Record<PlatformInstructions['platform'], Omit<PlatformInstructions, 'platform' | 'settings'>> = {
    macos: {
      title: 'macOS (DevTrust agent)',
      where: `configuration profile, preference domain ${AGENT_DOMAIN} (Custom Settings / Application & Custom Settings payload)`,
      steps: [
        `Add both keys to the profile that configures the agent (domain ${AGENT_DOMAIN}), as strings, exactly as shown: the MDM replaces ${variable} with each Mac's device ID when it installs the profile.`,
        `Or generate the whole profile: ${generate} writes macos/devtrust.mobileconfig with both keys.`,
        'Scope the profile to the device (System level), not to a user.',
      ],
    },
    windows: {
      title: 'Windows (DevTrust agent)',
      where: `registry policy ${POLICY_KEY} (ADMX policies "Trusted endpoints configuration key" and "Trusted endpoint identifier", or the MSI properties)`,
      steps: [
        `Set both values as REG_SZ under ${POLICY_KEY}: import windows/DevTrust.admx and enable the two policies, or install with the MSI properties TRUSTEDENDPOINTSKEY and TRUSTEDENDPOINTIDENTIFIER.`,
        `Or generate them: ${generate} writes windows/install.cmd with both properties.`,
        `The identifier must be what ${variable} fills in: where your MDM does not fill variables into a Windows command line or policy, set the device's ID in the MDM by script instead.`,
      ],
    },
    ios: {
      title: 'iOS and iPadOS (mobile client)',
      where: `managed app configuration of the mobile client (bundle ID ${AGENT_DOMAIN})`,
      steps: [
        `Add an app configuration for the mobile client with both keys as strings; the MDM replaces ${variable} when it delivers the configuration.`,
        `Or generate it: ${generate} writes ios/managed-app-config.plist.`,
      ],
    },
    android: {
      title: 'Android (mobile client)',
      where: `managed configuration (app restrictions) of the mobile client (package ${AGENT_DOMAIN})`,
      steps: [
        `Add a managed configuration for the mobile client with both keys as strings; the MDM replaces ${variable} when it delivers the configuration.`,
        `Or generate it: ${generate} writes android/managed-config.json.`,
      ],
    },
  };
  const covered = (['macos', 'windows', 'ios', 'android'] as const).filter((p) => integration.platforms.includes(p as Platform));
  return covered.map((platform) => ({ platform, settings, ...all[platform] }));
}
