// The integration form, for creating and for editing: name, platforms and the kind's own
// configuration fields as the collector describes them (integration-kinds.js). Controls are named by their API path
// ("config.baseUrl") so an API error's `field` finds its input.
import { checkbox, field, h, uid } from './dom.js';
import { PLATFORMS, kindOf, variantOf } from './integration-kinds.js';

const CHOOSE_PLATFORMS = 'Tick the platforms of the devices this inventory holds.';
const NO_PLATFORM = 'Tick at least one platform: the integration covers only the platforms ticked here.';

/**
 * `integration` null: a creation form with a kind select. Otherwise an edit form for it,
 * with secrets left empty (blank keeps the stored value). `kinds` from loadKinds().
 */
export function integrationFields(integration, kinds) {
  const editing = integration !== null;
  const nameInput = h('input', {
    type: 'text',
    name: 'name',
    required: true,
    value: integration?.name ?? '',
    class: 'wide',
    autocomplete: 'off',
  });
  const kindSelect = editing
    ? null
    : h(
        'select',
        { name: 'kind', required: true },
        [
          ['mdm', 'Device inventories (MDM)'],
          ['edr', 'Endpoint security (EDR)'],
        ].map(([category, label]) =>
          h(
            'optgroup',
            { label },
            kinds.filter((k) => k.category === category).map((k) => h('option', { value: k.kind }, k.label)),
          ),
        ),
      );
  const platformChecks = h('div', { class: 'checks' });
  const platformsMessage = h('p', { class: 'hint muted', id: uid('platforms-msg'), 'aria-live': 'polite' });
  const platforms = h(
    'fieldset',
    { 'aria-describedby': platformsMessage.id },
    h('legend', {}, 'Platforms this integration covers'),
    platformChecks,
    platformsMessage,
  );
  /**
   * Only the platforms the kind can cover. A new integration starts with the kind's default
   * (GET /admin/v1/kinds `defaultPlatforms`: Jamf Pro and Kandji, macOS) or none, where the admin
   * must decide (CSV, most MDMs and EDRs): a platform ticked that the inventory does not hold
   * lets its devices be judged against an inventory that can never list them.
   */
  function renderPlatforms(spec) {
    const offered = PLATFORMS.filter(
      ([value]) => !spec?.platforms || spec.platforms.includes(value) || integration?.platforms.includes(value),
    );
    const ticked = integration?.platforms ?? spec?.defaultPlatforms ?? [];
    platformChecks.replaceChildren(
      ...offered.map(([value, label]) =>
        checkbox(label, {
          name: 'platforms',
          value,
          checked: ticked.includes(value),
          on: { change: checkPlatforms, invalid: showPlatformsMissing },
        }),
      ),
    );
    platforms.removeAttribute('aria-invalid');
    platformsMessage.className = 'hint muted';
    platformsMessage.textContent = ticked.length === 0 ? CHOOSE_PLATFORMS : '';
    checkPlatforms();
  }
  /**
   * The API refuses an integration without platforms (400, field "platforms"): the form refuses
   * to submit first (the browser stops a submit at the boxes' validity) and says why beside them.
   */
  function checkPlatforms() {
    const boxes = [...platformChecks.querySelectorAll('input[name="platforms"]')];
    const none = !boxes.some((b) => b.checked);
    for (const box of boxes) box.setCustomValidity(none ? NO_PLATFORM : '');
    if (!none && platforms.hasAttribute('aria-invalid')) {
      platforms.removeAttribute('aria-invalid');
      platformsMessage.className = 'hint muted';
      platformsMessage.textContent = '';
    }
  }
  function showPlatformsMissing() {
    platforms.setAttribute('aria-invalid', 'true');
    platformsMessage.className = 'hint field-error';
    platformsMessage.textContent = NO_PLATFORM;
  }
  const vendor = h('div');
  const kindHelp = h('p', { class: 'hint muted' });
  let variant = null;

  function renderVendor() {
    const spec = currentKind();
    kindHelp.textContent = spec?.help ?? '';
    if (!spec) {
      vendor.replaceChildren(
        h('p', { class: 'muted' }, `The console has no form for "${integration?.kind}"; use the API to change its configuration.`),
      );
      variant = null;
      return;
    }
    variant ??= editing ? variantOf(spec, integration.config, integration.secretsSet) : spec.variants[0];
    if (!spec.variants.includes(variant)) variant = spec.variants[0];
    const chooser = spec.variants.length > 1 ? variantChooser(spec, variant, (next) => ((variant = next), renderVendor())) : null;
    const inputs = variant.fields.map((f) => configInput(f, integration));
    const mac = checkbox('Also match devices on MAC addresses (where MACs are unique in this inventory)', {
      name: 'config.matchMacAddresses',
      checked: Boolean(integration?.config?.matchMacAddresses),
    });
    vendor.replaceChildren(
      h(
        'fieldset',
        {},
        h('legend', {}, `${spec.label} connection`),
        chooser,
        inputs.length ? inputs : h('p', { class: 'muted' }, 'Nothing to configure.'),
        spec.category === 'mdm' ? mac : null,
        spec.capabilities?.sync ? dropLimitInput(integration) : null,
      ),
    );
  }
  const currentKind = () => kindOf(kinds, editing ? integration.kind : kindSelect.value);
  kindSelect?.addEventListener('change', () => {
    variant = null;
    renderPlatforms(currentKind());
    renderVendor();
  });
  renderPlatforms(currentKind());
  renderVendor();

  const element = h(
    'div',
    {},
    kindSelect ? field('Kind', kindSelect) : null,
    kindHelp,
    field('Name', nameInput, 'Shown in verdict reasons, e.g. "Corporate Macs (Jamf)".'),
    platforms,
    vendor,
  );

  /** The request body: for an edit, only what is set (blank secrets keep the stored ones). */
  function read(form) {
    const body = {
      name: nameInput.value.trim(),
      platforms: [...form.querySelectorAll('input[name="platforms"]:checked')].map((b) => b.value),
      config: {},
    };
    if (!editing) body.kind = kindSelect.value;
    for (const f of variant?.fields ?? []) {
      const input = form.elements.namedItem(`config.${f.name}`);
      if (f.type === 'boolean') {
        // Sent when set, and on an edit when it was set before (so clearing it sticks).
        if (input?.checked || (editing && integration.config?.[f.name] !== undefined)) body.config[f.name] = Boolean(input?.checked);
        continue;
      }
      const value = input?.value.trim() ?? '';
      if (value === '') continue;
      body.config[f.name] = f.type === 'number' && /^\d+$/.test(value) ? Number(value) : value;
    }
    const mac = form.elements.namedItem('config.matchMacAddresses');
    if (mac && (mac.checked || editing)) body.config.matchMacAddresses = mac.checked;
    const drop = form.elements.namedItem('config.maxInventoryDropPercent');
    const dropValue = drop?.value.trim() ?? '';
    // Blank is the default; on an edit, blanking a set limit sends null so the default comes back.
    if (dropValue !== '') body.config.maxInventoryDropPercent = Number(dropValue);
    else if (editing && integration.config?.maxInventoryDropPercent !== undefined) body.config.maxInventoryDropPercent = null;
    return body;
  }
  return { element, read };
}

function variantChooser(spec, current, onChange) {
  const group = uid('variant');
  return h(
    'fieldset',
    {},
    h('legend', {}, 'Authentication'),
    h(
      'div',
      { class: 'checks' },
      spec.variants.map((v) => {
        const radio = h('input', { type: 'radio', name: group, value: v.id, checked: v === current, on: { change: () => onChange(v) } });
        return h('label', { class: 'check' }, radio, v.label);
      }),
    ),
  );
}

/** `maxInventoryDropPercent`: how much of the last good inventory one sync may remove (docs/integration-syncs.md). */
function dropLimitInput(integration) {
  const input = h('input', {
    type: 'number',
    name: 'config.maxInventoryDropPercent',
    min: 1,
    max: 100,
    step: 1,
    value: String(integration?.config?.maxInventoryDropPercent ?? ''),
    placeholder: '50',
  });
  return field(
    'Refuse a sync that lists this many percent fewer devices',
    input,
    'Optional; blank is 50. A sync that lists more than this share fewer devices than the last good inventory (and at least 10 fewer) keeps that inventory until an admin confirms; 100 turns it off.',
  );
}

function configInput(spec, integration) {
  if (spec.type === 'boolean') {
    const current = integration?.config?.[spec.name] ?? spec.default ?? false;
    return checkbox(spec.label, { name: `config.${spec.name}`, checked: Boolean(current) });
  }
  const isSet = integration?.secretsSet?.includes(spec.name);
  const current = spec.secret ? '' : (integration?.config?.[spec.name] ?? '');
  const input = h('input', {
    type: spec.secret ? 'password' : spec.type === 'number' ? 'number' : spec.type === 'url' ? 'url' : 'text',
    name: `config.${spec.name}`,
    value: String(current),
    // A new integration needs its secrets; an edit keeps them when left blank.
    required: spec.required && !(spec.secret && isSet),
    autocomplete: spec.secret ? 'new-password' : 'off',
    spellcheck: false,
    placeholder: spec.secret && isSet ? 'Set — leave blank to keep' : (spec.placeholder ?? ''),
    class: 'wide',
  });
  const hint = spec.secret
    ? isSet
      ? 'Stored encrypted; never shown again. Type a new value to replace it.'
      : 'Stored encrypted; never shown again.'
    : spec.hostBearing && integration
      ? // The API refuses a host change that does not carry the credentials again.
        `${spec.required ? '' : 'Optional. '}Changing it sends the credentials to that host: type them again as well.`
      : !spec.required
        ? 'Optional.'
        : null;
  return field(spec.label, input, hint);
}
