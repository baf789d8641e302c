import type { AnySourceKind } from './source.js';

/** EDR kinds; a new vendor is one folder under sync/ and one line here. */
export const EDR_KINDS: AnySourceKind[] = [];
