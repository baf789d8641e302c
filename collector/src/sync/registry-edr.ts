import { ciscoSecureEndpointKind } from './cisco-secure-endpoint/kind.js';
import { crowdstrikeKind } from './crowdstrike/kind.js';
import { sentinelOneKind } from './sentinelone/kind.js';
import type { AnySourceKind } from './source.js';

/** EDR kinds; a new vendor is one folder under sync/ and one line here. */
export const EDR_KINDS: AnySourceKind[] = [ciscoSecureEndpointKind, crowdstrikeKind, sentinelOneKind];
