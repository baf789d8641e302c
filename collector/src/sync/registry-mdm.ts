import { csvKind } from './csv/kind.js';
import type { AnySourceKind } from './source.js';

/** MDM inventory kinds; a new vendor is one folder under sync/ and one line here. */
export const MDM_KINDS: AnySourceKind[] = [csvKind];
