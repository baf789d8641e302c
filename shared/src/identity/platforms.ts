/** The platforms a device may report, and the EDR products the agent reads. */
export const PLATFORMS = ['windows', 'macos', 'linux', 'ios', 'android'] as const;
export type Platform = (typeof PLATFORMS)[number];

export const EDR_VENDORS = ['cisco-secure-endpoint', 'crowdstrike', 'sentinelone', 'defender'] as const;
export type EdrVendor = (typeof EDR_VENDORS)[number];
