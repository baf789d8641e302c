/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), written from
 * the format's description, so the tests read /metrics the way a Prometheus server does and
 * not through prom-client's own code. It throws on what Prometheus would refuse: a sample
 * before its family's TYPE, a malformed label set, a value that is not a float, a histogram
 * line that is not _bucket/_sum/_count, a family declared twice.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
export interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
  samples: Sample[];
}
export type Exposition = Map<string, Family>;

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parseExposition(text: string): Exposition {
  const families: Exposition = new Map();
  const helps = new Map<string, string>();
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const where = `line ${i + 1} (${JSON.stringify(line)})`;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!meta) return; // a plain comment
      const [, keyword, name, rest] = meta as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`bad metric name at ${where}`);
      if (keyword === 'HELP') helps.set(name, rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\'));
      else {
        if (!TYPES.has(rest)) throw new Error(`unknown type at ${where}`);
        if (families.has(name)) throw new Error(`family ${name} declared twice at ${where}`);
        families.set(name, { name, type: rest as Family['type'], help: helps.get(name) ?? '', samples: [] });
      }
      return;
    }
    const sample = parseSample(line, where);
    const family = familyOf(families, sample.name);
    if (!family) throw new Error(`sample before its TYPE at ${where}`);
    family.samples.push(sample);
  });
  return families;
}

function familyOf(families: Exposition, sampleName: string): Family | undefined {
  const exact = families.get(sampleName);
  if (exact) return exact;
  const suffixed = /^(.*)_(bucket|sum|count)$/.exec(sampleName);
  const family = suffixed ? families.get(suffixed[1] as string) : undefined;
  return family && (family.type === 'histogram' || (family.type === 'summary' && suffixed?.[2] !== 'bucket')) ? family : undefined;
}

function parseSample(line: string, where: string): Sample {
  const head = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
  if (!head) throw new Error(`bad sample name at ${where}`);
  const name = head[1] as string;
  let at = name.length;
  const labels: Record<string, string> = {};
  if (line[at] === '{') {
    at += 1;
    while (line[at] !== '}') {
      const label = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(at));
      if (!label) throw new Error(`bad label at ${where}`);
      at += label[0].length;
      let value = '';
      for (;;) {
        const c = line[at];
        if (c === undefined) throw new Error(`unterminated label value at ${where}`);
        at += 1;
        if (c === '"') break;
        if (c === '\\') {
          const next = line[at];
          at += 1;
          if (next === 'n') value += '\n';
          else if (next === '\\' || next === '"') value += next;
          else throw new Error(`bad escape at ${where}`);
        } else value += c;
      }
      if ((label[1] as string) in labels) throw new Error(`label ${label[1]} twice at ${where}`);
      labels[label[1] as string] = value;
      if (line[at] === ',') at += 1;
      else if (line[at] !== '}') throw new Error(`expected , or } at ${where}`);
    }
    at += 1;
  }
  const rest = line.slice(at);
  const parts = /^ (\S+)(?: (-?\d+))?$/.exec(rest);
  if (!parts) throw new Error(`bad value at ${where}`);
  return { name, labels, value: parseValue(parts[1] as string, where) };
}

function parseValue(text: string, where: string): number {
  // Prometheus reads values with Go's ParseFloat: NaN and Inf in any case, with a sign.
  if (/^nan$/i.test(text)) return NaN;
  if (/^[+]?inf$/i.test(text)) return Infinity;
  if (/^-inf$/i.test(text)) return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw new Error(`value ${text} is not a float at ${where}`);
  return Number(text);
}

/** The samples named `sampleName` (e.g. a histogram's `x_count`) whose labels include `labels`. */
export function samples(exposition: Exposition, sampleName: string, labels: Record<string, string> = {}): Sample[] {
  const family = familyOf(exposition, sampleName);
  if (!family) throw new Error(`no metric family for ${sampleName} in the exposition`);
  return family.samples.filter((s) => s.name === sampleName && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The one value with these labels (0 when there is no such sample). */
export function valueOf(exposition: Exposition, sampleName: string, labels: Record<string, string> = {}): number {
  const found = samples(exposition, sampleName, labels);
  if (found.length > 1) throw new Error(`${found.length} samples of ${sampleName} match ${JSON.stringify(labels)}`);
  return found[0]?.value ?? 0;
}
