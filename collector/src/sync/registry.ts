import { EDR_KINDS } from './registry-edr.js';
import { MDM_KINDS } from './registry-mdm.js';
import type { SourceKind } from './source.js';

const KINDS = new Map<string, SourceKind>([...MDM_KINDS, ...EDR_KINDS].map((k) => [k.kind, k as SourceKind]));

export function sourceKind(kind: string): SourceKind | undefined {
  return KINDS.get(kind);
}

export function sourceKinds(): string[] {
  return [...KINDS.keys()];
}
