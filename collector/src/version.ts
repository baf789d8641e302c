import { packageVersion } from '@devtrust/shared/cli/command-line';

/**
 * This collector's release, from its package.json (src/ and dist/ both sit one level below
 * it). One value for `--version`, /healthz, /readyz, the OpenAPI document and the console,
 * so an operator comparing nodes during an upgrade reads the same string everywhere.
 */
export const COLLECTOR_VERSION = packageVersion(new URL('../package.json', import.meta.url));
