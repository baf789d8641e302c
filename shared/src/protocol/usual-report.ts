import { unsafeCharacter, unsafeMachineCharacter } from '../identity/unsafe-text.js';
import { EDR_VENDORS, PLATFORMS } from '../identity/platforms.js';
import { LIMITS } from './limits.js';
import { reportMessage, reportSchema, type ReportMessage } from './messages.js';

/**
 * The usual report frame checked without zod. A collector checks every report an agent sends
 * (every 15 minutes per device, a whole fleet's worth after a restart), and zod's general
 * parse cost more CPU than the MAC check and made a quarter of the garbage a report left
 * behind: it builds a new object for every object it checks (docs/performance.md, "Reports per
 * second", fifth round).
 *
 * This answers only "yes, exactly what `reportMessage` gives": a message zod accepts, as the
 * same value with its members in the same order (zod returns an object's members in its
 * schema's order, and the stored report is that value's JSON). Anything else — a member this
 * file does not know, members in another order, an MDM assertion, a value it does not accept —
 * is `null`, and parseAgentFrame asks zod, which accepts it or says what is wrong, as before.
 * So this may refuse more than zod, never less; `shared/test/usual-report.test.ts` holds it to
 * zod on generated frames. Which members exist, and their order, is read from the schemas
 * themselves: a member added there is unknown here (zod decides) until it is checked here too.
 */
export function usualReportFrame(json: Record<string, unknown>): ReportMessage | null {
  if (!MESSAGE(json) || (json.signature === undefined) === (json.mac === undefined)) return null;
  return json as unknown as ReportMessage;
}

type Check = (value: unknown) => boolean;

/**
 * Strings: a string of at most `max` UTF-16 code units (zod's `.max`), display-safe or machine
 * text (hostnames, identifiers: unsafe-text.ts) if asked, as the schema's member is.
 */
const text =
  (max: number, safe: 'display' | 'machine' | null = null, min = 0): Check =>
  (value) =>
    typeof value === 'string' &&
    value.length >= min &&
    value.length <= max &&
    (safe === null || (safe === 'display' ? unsafeCharacter(value) : unsafeMachineCharacter(value)) === null);
const matching =
  (pattern: RegExp): Check =>
  (value) =>
    typeof value === 'string' && pattern.test(value);
const oneOf =
  (values: readonly string[]): Check =>
  (value) =>
    typeof value === 'string' && values.includes(value);
const boolean: Check = (value) => typeof value === 'boolean';
const arrayOf =
  (max: number, element: Check): Check =>
  (value) =>
    Array.isArray(value) && value.length <= max && value.every(element);
/**
 * A JSON object with only its keys of display text up to 64 (zod's record). `__proto__` is
 * left to zod, which drops it from what it returns: the same value could not be returned here.
 */
const recordKey = text(64, 'display');
const recordOf =
  (member: Check): Check =>
  (value) => {
    if (!isObject(value)) return false;
    for (const key in value) {
      if (key === '__proto__' || !recordKey(key) || !member(value[key])) return false;
    }
    return true;
  };
/** A schema's members, in its order, and which of them it requires (those that do not accept undefined). */
interface Shape {
  keys: readonly string[];
  required: number;
  isRequired: ReadonlySet<string>;
}
function shapeOf(schema: { shape: Record<string, { safeParse(value: unknown): { success: boolean } }> }): Shape {
  const keys = Object.keys(schema.shape);
  const isRequired = new Set(keys.filter((key) => !schema.shape[key]?.safeParse(undefined).success));
  return { keys, required: isRequired.size, isRequired };
}

/**
 * An object with every member known and valid, in the schema's order, and the required ones
 * present. JSON.parse gives an object its members in the text's order, so an agent that sends
 * them in another order is left to zod (which returns them reordered).
 */
const objectOf =
  (shape: Shape, members: Record<string, Check>): Check =>
  (value) => {
    if (!isObject(value)) return false;
    let next = 0;
    let required = 0;
    for (const key in value) {
      const at = shape.keys.indexOf(key, next);
      if (at < 0 || !Object.hasOwn(members, key) || !(members[key] as Check)(value[key])) return false;
      if (shape.isRequired.has(key)) required++;
      next = at + 1;
    }
    return required === shape.required;
  };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const shownText = text(256, 'display');
const identifier = text(LIMITS.maxIdentifierLength, 'machine');

const edrMember: Record<string, Check> = {
  vendor: oneOf(EDR_VENDORS),
  installed: boolean,
  running: boolean,
  connectorId: shownText,
  details: recordOf((v) => shownText(v) || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))),
};
const identityMember: Record<string, Check> = {
  platform: oneOf(PLATFORMS),
  hardwareUuid: identifier,
  serialNumber: identifier,
  machineGuid: identifier,
  hostname: text(LIMITS.maxHostnameLength, 'machine'),
  osVersion: shownText,
  macAddresses: arrayOf(64, identifier),
  edr: arrayOf(16, objectOf(shapeOf(reportSchema.shape.identity.shape.edr.unwrap().element), edrMember)),
};
const postureMember: Record<string, Check> = {
  diskEncryption: boolean,
  firewall: boolean,
  screenLock: boolean,
  passwordSet: boolean,
  osBuild: shownText,
};
const reportMember: Record<string, Check> = {
  agentVersion: text(64, 'display'),
  collectedAt: text(40, 'display'),
  identity: objectOf(shapeOf(reportSchema.shape.identity), identityMember),
  posture: objectOf(shapeOf(reportSchema.shape.posture.unwrap()), postureMember),
  probeErrors: recordOf(shownText),
  user: text(256, 'display'),
  // mdmAssertion: a mobile client's, rare: zod's.
};
const messageMember: Record<string, Check> = {
  type: (value) => value === 'report',
  seq: (value) => typeof value === 'number' && Number.isSafeInteger(value) && value > 0,
  report: objectOf(shapeOf(reportSchema), reportMember),
  signature: text(200, null, 1),
  mac: matching(/^[A-Za-z0-9_-]{43}$/),
};
const MESSAGE = objectOf(shapeOf(reportMessage), messageMember);
