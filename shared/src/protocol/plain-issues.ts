import type { z } from 'zod';

/**
 * zod's own wording ("Invalid input: expected string, received undefined") reaches admins and
 * app owners in devtrustctl, the console and agent logs. This error map says the same in plain
 * words ("required", "must be a string, got a number"). It is passed per parse (`PLAIN_ISSUES`),
 * where zod asks it only for issues a schema left without a message of its own: a
 * `.refine(…, { message })` or `.min(1, 'message')` keeps its wording.
 *
 * A message never quotes the value received (it may be a secret, or text meant to mislead the
 * reader): it names the kind of value only. The values it lists (an enum's) are the schema's.
 */
type RawIssue = z.core.$ZodRawIssue;

/** How many of an enum's values a message lists before saying how many there are in all. */
const MAX_LISTED = 12;

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  tuple: 'a list',
  set: 'a list',
  object: 'an object',
  record: 'an object',
  map: 'an object',
  date: 'a date',
  null: 'null',
  undefined: 'left out',
  void: 'left out',
  nan: 'NaN',
};

const FORMATS: Record<string, string> = {
  email: 'an email address',
  url: 'a URL',
  uuid: 'a UUID',
  uuidv4: 'a UUID',
  uuidv6: 'a UUID',
  uuidv7: 'a UUID',
  guid: 'a GUID',
  datetime: 'an ISO 8601 date and time such as 2026-01-31T09:00:00Z',
  date: 'an ISO 8601 date such as 2026-01-31',
  time: 'an ISO 8601 time such as 09:00:00',
  duration: 'an ISO 8601 duration such as PT1H',
  ipv4: 'an IPv4 address',
  ipv6: 'an IPv6 address',
  cidrv4: 'an IPv4 range such as 10.0.0.0/8',
  cidrv6: 'an IPv6 range such as fd00::/8',
  mac: 'a MAC address',
  base64: 'base64 text',
  base64url: 'base64url text',
  hex: 'hexadecimal text',
  jwt: 'a JWT',
  e164: 'a phone number in E.164 form such as +4930123456',
  lowercase: 'lowercase',
  uppercase: 'uppercase',
  json_string: 'JSON text',
};

/** What was received, in words, never the value itself. */
function received(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  switch (typeof input) {
    case 'string':
      return 'a string';
    case 'number':
      return Number.isNaN(input) ? 'not a number' : 'a number';
    case 'boolean':
      return input ? 'true' : 'false';
    case 'object':
      return 'an object';
    default:
      return `a ${typeof input}`;
  }
}

/** A listed value as an admin would type it: text bare, anything else as JSON. */
const shown = (value: unknown): string => (typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value)));

function oneOf(values: readonly unknown[]): string {
  if (values.length === 1) return `must be ${shown(values[0])}`;
  const listed = values.slice(0, MAX_LISTED).map(shown).join(', ');
  return values.length > MAX_LISTED ? `must be one of ${listed}, … (${values.length} in all)` : `must be one of ${listed}`;
}

/** The units a size bound counts in (one, many), by what was measured. */
const UNITS: Record<string, [string, string]> = {
  string: ['character', 'characters'],
  array: ['item', 'items'],
  set: ['item', 'items'],
  map: ['entry', 'entries'],
  file: ['byte', 'bytes'],
};

function sizeBound(issue: Extract<RawIssue, { code: 'too_small' | 'too_big' }>): string {
  const small = issue.code === 'too_small';
  const bound = small ? issue.minimum : issue.maximum;
  const unit = UNITS[issue.origin];
  if (unit !== undefined) {
    if (small && !issue.exact && Number(bound) === 1) return 'must not be empty';
    const how = issue.exact ? 'exactly' : small ? 'at least' : 'at most';
    const count = `${bound} ${Number(bound) === 1 ? unit[0] : unit[1]}`;
    return issue.origin === 'string' ? `must be ${how} ${count} long` : `must have ${how} ${count}`;
  }
  const value = issue.origin === 'date' ? new Date(Number(bound)).toISOString() : String(bound);
  if (issue.exact) return `must be exactly ${value}`;
  if (issue.origin === 'date') return `must be ${small ? 'on or after' : 'on or before'} ${value}`;
  if (issue.inclusive === false) return `must be ${small ? 'greater' : 'less'} than ${value}`;
  return `must be ${small ? 'at least' : 'at most'} ${value}`;
}

function format(issue: Extract<RawIssue, { code: 'invalid_format' }>): string {
  const detail = issue as Record<string, unknown>;
  switch (issue.format) {
    case 'starts_with':
      return `must start with ${shown(detail.prefix)}`;
    case 'ends_with':
      return `must end with ${shown(detail.suffix)}`;
    case 'includes':
      return `must contain ${shown(detail.includes)}`;
    case 'regex':
      return `is not in the expected form (it must match ${String(issue.pattern)})`;
    default: {
      const words = FORMATS[issue.format];
      return words ? `must be ${words}` : `must be a valid ${issue.format.replace(/_/g, ' ')}`;
    }
  }
}

/** A union no branch of which took the value: the kinds the branches want, when that is all they disagree on. */
function union(issue: Extract<RawIssue, { code: 'invalid_union' }>): string {
  if (issue.inclusive === false) return 'matches more than one of the accepted forms';
  if (issue.options && issue.options.length > 0) return oneOf(issue.options);
  const branches = issue.errors;
  const wanted = branches.map((b) => (b.length === 1 && b[0]?.code === 'invalid_type' && b[0].path.length === 0 ? b[0].expected : null));
  if (branches.length > 0 && wanted.every((w) => w !== null)) {
    if (issue.input === undefined) return 'required';
    const kinds = [...new Set(wanted.map((w) => EXPECTED[w as string] ?? String(w)))];
    return `must be ${kinds.slice(0, -1).join(', ')}${kinds.length > 1 ? ' or ' : ''}${kinds.at(-1)}, got ${received(issue.input)}`;
  }
  return 'does not match any of the accepted forms';
}

/** The plain message for an issue a schema gave no message of its own (a zod error map). */
export function plainIssueMessage(issue: RawIssue): string {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return 'required';
      if (issue.expected === 'never') return 'must be left out';
      const expected = EXPECTED[issue.expected] ?? `a ${issue.expected}`;
      if (issue.expected === 'int' && typeof issue.input === 'number') return `must be ${expected}`;
      return `must be ${expected}, got ${received(issue.input)}`;
    }
    case 'invalid_value':
      return oneOf(issue.values);
    case 'too_small':
    case 'too_big':
      return sizeBound(issue);
    case 'invalid_format':
      return format(issue);
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'unrecognized_keys':
      return 'unknown field';
    case 'invalid_union':
      return union(issue);
    case 'invalid_key':
      return 'is not an allowed key';
    case 'invalid_element':
      return 'holds a value that is not allowed';
    default:
      return 'is not valid';
  }
}

/** The parse options that give plain messages: `schema.safeParse(value, PLAIN_ISSUES)`. */
export const PLAIN_ISSUES = { error: plainIssueMessage } as const satisfies z.core.ParseContext<z.core.$ZodIssue>;

/**
 * Names the first failing field of a zod error as "path: message"; plain when the value was
 * parsed with PLAIN_ISSUES. Unknown fields are named as such, each one.
 */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'invalid';
  const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
  if (issue.code === 'unrecognized_keys') return `${path === '(root)' ? '' : `${path}.`}${issue.keys.join(', ')}: unknown field`;
  return `${path}: ${issue.message}`;
}
