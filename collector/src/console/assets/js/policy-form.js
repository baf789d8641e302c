// A policy form built from the policy's JSON Schema (served with the session) and the values
// the API returns: booleans become checkboxes, enums selects, objects fieldsets. A policy
// field added to the API appears here without a console change.
import { checkbox, field, h, humanize, select } from './dom.js';

/** Help for the fields known today; unknown fields simply have none. */
const HINTS = {
  trustedEndpoints: 'require-trusted denies devices that are not trusted; allow-all lets them in and records the verdict.',
  blockCompromised: 'Deny (under require-trusted) trusted devices that an active EDR integration reports compromised.',
  edrUnknown: 'What require-trusted does with a trusted device whose EDR status is unknown.',
  requireDiskEncryption:
    "Under require-trusted, deny devices whose disk encryption is not reported on: as the device's MDM (then EDR) integration reports it, else as the agent reports it (self-reported).",
  requireFirewall: 'Under require-trusted, deny devices whose firewall is not reported on; the agent reports it (self-reported).',
  requireAssurance:
    'identifiers: a device trusted by its hardware identifiers passes. mdm_asserted: under require-trusted, only a device that also proves the identity its MDM pushed (trusted endpoint identifier and configuration key) passes.',
  minOsVersion:
    'Lowest OS version allowed per platform, e.g. 10.0.19045 (Windows) or 14.0 (macOS), as an MDM or EDR integration reports it, else the agent. Blank: no minimum.',
  maxReportAgeHours: 'A device whose agent has not reported for this many hours is no longer trusted ("not seen since …"). 0: no limit.',
  requireHardwareKey:
    "Trust only devices whose agent enrolled with a Secure Enclave or TPM key. The agent's claim, not proven: see docs/hardware-keys.md.",
};

/**
 * Unwraps a nullable field into its schema plus a flag: `anyOf: [X, {type: null}]`, or
 * `type: ["boolean", "null"]` as JSON Schema writes a nullable plain type.
 */
function unwrap(schema) {
  if (!schema) return { nullable: false };
  const options = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(options)) {
    const inner = options.find((o) => o.type !== 'null') ?? {};
    return { ...inner, nullable: options.some((o) => o.type === 'null') };
  }
  if (Array.isArray(schema.type)) {
    const types = schema.type.filter((t) => t !== 'null');
    return { ...schema, type: types.length === 1 ? types[0] : types, nullable: types.length < schema.type.length };
  }
  return { ...schema, nullable: false };
}

function shapeOf(spec, value) {
  if (Array.isArray(spec.enum)) return 'enum';
  if (spec.type === 'boolean' || typeof value === 'boolean') return 'boolean';
  if (spec.type === 'object' || (value && typeof value === 'object' && !Array.isArray(value))) return 'object';
  if (spec.type === 'number' || spec.type === 'integer' || typeof value === 'number') return 'number';
  return 'string';
}

function show(v) {
  if (v === undefined || v === null) return 'not set';
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  if (typeof v === 'object') {
    const entries = Object.entries(v);
    return entries.length ? entries.map(([k, x]) => `${humanize(k)} ${x}`).join(', ') : 'none';
  }
  return String(v);
}

/**
 * mode 'global': every field with its value. mode 'override' (an application): every field
 * may inherit the global value (`globals`). `prefix` names controls by their API path
 * ("policy." inside an application body). read() returns only what changed.
 */
export function policyForm({ schema, values = {}, globals = {}, mode = 'global', prefix = '', disabled = false }) {
  const props = schema?.properties ?? {};
  const keys = [...new Set([...Object.keys(mode === 'global' ? values : globals), ...Object.keys(props)])];
  const readers = [];
  const controls = keys.map((key) => {
    const spec = unwrap(props[key]);
    const settable = !schema || key in props;
    const name = `${prefix}${key}`;
    const built =
      mode === 'global'
        ? globalControl(key, name, spec, values[key], disabled || !settable)
        : overrideControl(key, name, spec, values[key], globals[key], disabled || !settable);
    if (settable) readers.push([key, built.read, spec]);
    if (!settable) built.element.append(h('span', { class: 'hint' }, 'Read-only here: the API does not accept changes to this field.'));
    return built.element;
  });

  function read() {
    const changed = {};
    for (const [key, readValue, spec] of readers) {
      const next = readValue();
      const before = values[key];
      if (JSON.stringify(next ?? null) === JSON.stringify(before ?? null)) continue;
      // Back to "inherit": only a nullable field can be cleared; otherwise the override stays.
      if (next === undefined) {
        if (spec.nullable) changed[key] = null;
        continue;
      }
      changed[key] = next;
    }
    return changed;
  }
  return { element: h('div', { class: 'stack' }, controls), read };
}

function globalControl(key, name, spec, value, disabled) {
  const label = humanize(key);
  const hint = HINTS[key];
  switch (shapeOf(spec, value)) {
    case 'boolean': {
      const element = h(
        'div',
        { class: 'field' },
        checkbox(label, { name, checked: Boolean(value), disabled }),
        hint ? h('span', { class: 'hint' }, hint) : null,
      );
      return { element, read: () => element.querySelector('input').checked };
    }
    case 'enum': {
      const options = [...new Set([...(spec.enum ?? []), ...(value === undefined ? [] : [value])])].map((v) => [v, String(v)]);
      const control = select(options, { name, value: value ?? '', disabled });
      return { element: field(label, control, hint), read: () => control.value };
    }
    case 'object':
      return objectControl(key, name, spec, value ?? {}, disabled, hint);
    default:
      return scalarControl(label, name, spec, value, disabled, hint, '');
  }
}

function overrideControl(key, name, spec, value, global, disabled) {
  const label = humanize(key);
  const inherit = `Inherit global (${show(global)})`;
  // Without null in the schema an override cannot be removed, so "inherit" is offered only when it can be honoured.
  const canInherit = value === undefined || spec.nullable;
  const shape = shapeOf(spec, value ?? global);
  if (shape === 'boolean' || shape === 'enum') {
    const choices =
      shape === 'boolean'
        ? [
            ['true', 'On'],
            ['false', 'Off'],
          ]
        : (spec.enum ?? [global]).map((v) => [v, String(v)]);
    const control = select([...(canInherit ? [['', inherit]] : []), ...choices], {
      name,
      value: value === undefined || value === null ? '' : String(value),
      disabled,
    });
    const read = () => (control.value === '' ? undefined : shape === 'boolean' ? control.value === 'true' : control.value);
    return { element: field(label, control, HINTS[key]), read };
  }
  if (shape === 'object') {
    const on = h('input', {
      type: 'checkbox',
      checked: value !== undefined && value !== null,
      disabled: disabled || (!canInherit && value !== undefined),
    });
    const inner = objectControl(key, name, spec, value ?? global ?? {}, disabled, HINTS[key]);
    const sync = () => inner.element.querySelectorAll('input').forEach((i) => (i.disabled = disabled || !on.checked));
    on.addEventListener('change', sync);
    sync();
    inner.element.prepend(h('label', { class: 'check' }, on, `Override the global value (${show(global)})`));
    return { element: inner.element, read: () => (on.checked ? inner.read() : undefined) };
  }
  return scalarControl(label, name, spec, value, disabled, HINTS[key], inherit);
}

function objectControl(key, name, spec, value, disabled, hint) {
  const subKeys = [...new Set([...Object.keys(spec.properties ?? {}), ...Object.keys(value)])];
  const parts = subKeys.map((sub) =>
    scalarControl(humanize(sub), `${name}.${sub}`, unwrap(spec.properties?.[sub]), value[sub], disabled, null, 'none'),
  );
  const element = h(
    'fieldset',
    {},
    h('legend', {}, humanize(key)),
    hint ? h('p', { class: 'hint muted' }, hint) : null,
    parts.map((p) => p.element),
  );
  const read = () => Object.fromEntries(subKeys.map((sub, i) => [sub, parts[i].read()]).filter(([, v]) => v !== undefined));
  return { element, read };
}

/** Text and numbers; blank means "not set" (inherit, in an override). */
function scalarControl(label, name, spec, value, disabled, hint, placeholder) {
  const numeric = spec.type === 'number' || spec.type === 'integer';
  const control = h('input', {
    type: numeric ? 'number' : 'text',
    name,
    value: value === undefined || value === null ? '' : String(value),
    disabled,
    placeholder,
    spellcheck: false,
  });
  const read = () => {
    const raw = control.value.trim();
    if (raw === '') return undefined;
    return numeric ? Number(raw) : raw;
  };
  return { element: field(label, control, hint), read };
}
