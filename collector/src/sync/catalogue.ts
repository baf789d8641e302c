import { MDM_DEVICE_ID_VARIABLES } from '@devtrust/shared/identity';
import type { IntegrationCategory } from '../domain/integration.js';
import { KINDS } from './registry.js';
import type { AnySourceKind, ConfigField, KindCapabilities } from './source.js';

/** One config field as `GET /admin/v1/kinds` lists it. */
export interface FieldDescription {
  name: string;
  label: string;
  type: ConfigField['type'];
  required: boolean;
  /** Sealed at rest, write-only: the API never returns its value. */
  secret: boolean;
  /** Names a host the credentials are sent to: changing it needs the secrets again. */
  hostBearing: boolean;
  default: string | number | boolean | null;
  placeholder: string | null;
  advanced: boolean;
}

/** One integration kind as `GET /admin/v1/kinds` (and `devtrustctl kinds`) describe it. */
export interface KindDescription {
  kind: string;
  label: string;
  category: IntegrationCategory;
  platforms: string[];
  /** The platforms a form for a new integration starts with ticked (SourceKind.defaultPlatforms); empty: the admin chooses. */
  defaultPlatforms: string[];
  capabilities: KindCapabilities;
  defaultIntervalMinutes: number | null;
  help: string | null;
  /** Every field `config` accepts besides the options common to all kinds. */
  fields: FieldDescription[];
  /** Ways to fill the form in (one per authentication mode); each names the fields it shows, in order. */
  variants: { id: string; label: string | null; fields: string[] }[];
  /** The MDM's device ID variable for MDM-asserted identity; null: the kind has no MDM to push one. */
  trustedEndpointsVariable: string | null;
}

export function describeKind(kind: AnySourceKind): KindDescription {
  const secret = new Set<string>(kind.secretFields);
  const host = new Set<string>(kind.hostFields);
  const fields = kind.form.fields.map((f): FieldDescription => ({
    name: f.name,
    label: f.label,
    type: f.type,
    required: !f.optional,
    secret: secret.has(f.name),
    hostBearing: host.has(f.name),
    default: f.default ?? null,
    placeholder: f.placeholder ?? null,
    advanced: f.advanced === true,
  }));
  const variants = kind.form.variants?.map((v) => ({ id: v.id, label: v.label, fields: [...v.fields] })) ?? [
    { id: 'default', label: null, fields: fields.filter((f) => !f.advanced).map((f) => f.name) },
  ];
  return {
    kind: kind.kind,
    label: kind.label,
    category: kind.category,
    platforms: [...kind.platforms],
    // A kind of one platform has one answer.
    defaultPlatforms: [...(kind.defaultPlatforms ?? (kind.platforms.length === 1 ? kind.platforms : []))],
    capabilities: { ...kind.capabilities },
    defaultIntervalMinutes: kind.defaultIntervalMinutes,
    help: kind.form.help ?? null,
    fields,
    variants,
    trustedEndpointsVariable: MDM_DEVICE_ID_VARIABLES[kind.kind]?.variable ?? null,
  };
}

/** Every registered kind, described; fixed for the life of the process. */
export function describeKinds(): KindDescription[] {
  return KINDS.map(describeKind);
}
