// The integration kinds and their config fields, as the collector describes them
// (GET /admin/v1/kinds): the forms are generated from that answer, so a new vendor needs no
// console change. Secret fields are write-only: the API never returns them.
import { get } from './api.js';

export const PLATFORMS = [
  ['windows', 'Windows'],
  ['macos', 'macOS'],
  ['linux', 'Linux'],
  ['ios', 'iOS'],
  ['android', 'Android'],
];

let loading = null;

/**
 * The kinds, read once per console load (they change only with the collector's version);
 * each variant's field names are resolved to the field descriptions. A failed read is
 * tried again on the next call.
 */
export function loadKinds() {
  loading ??= get('/admin/v1/kinds').then(
    ({ kinds }) => kinds.map(resolveVariants),
    (error) => {
      loading = null;
      throw error;
    },
  );
  return loading;
}

function resolveVariants(kind) {
  const byName = new Map(kind.fields.map((f) => [f.name, f]));
  return { ...kind, variants: kind.variants.map((v) => ({ ...v, fields: v.fields.map((name) => byName.get(name)).filter(Boolean) })) };
}

export const platformLabels = (platforms) => platforms.map((p) => PLATFORMS.find(([v]) => v === p)?.[1] ?? p).join(', ');
export const kindOf = (kinds, kind) => kinds.find((k) => k.kind === kind) ?? null;
export const kindLabel = (kinds, kind) => kindOf(kinds, kind)?.label ?? kind;

/** The variant an existing integration uses, told by which of its fields are set. */
export function variantOf(spec, config, secretsSet) {
  const present = new Set([...Object.keys(config ?? {}), ...(secretsSet ?? [])]);
  return (
    spec.variants.find((v) => v.fields.some((f) => present.has(f.name) && !spec.variants[0].fields.some((g) => g.name === f.name))) ??
    spec.variants[0]
  );
}
