/**
 * A small, strict XML reader for the tests: elements, attributes, text, comments,
 * the XML declaration and a DOCTYPE. It throws on what a real parser rejects and our
 * writers could get wrong: mismatched tags, a raw "<" or "&" in text or attributes,
 * unknown entities, duplicate attributes, content after the root.
 */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(raw: string, where: number): string {
  if (raw.includes('<')) throw new Error(`raw "<" at ${where}`);
  return raw.replace(/&([^;]*);|&/g, (match, name: string | undefined) => {
    if (name === undefined) throw new Error(`raw "&" at ${where}`);
    if (name.startsWith('#x')) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number.parseInt(name.slice(1), 10));
    const value = ENTITIES[name];
    if (value === undefined) throw new Error(`unknown entity &${name}; at ${where}`);
    return value;
  });
}

export function parseXml(source: string): XmlElement {
  let i = 0;
  const skipMisc = () => {
    for (;;) {
      while (/\s/.test(source[i] ?? '')) i++;
      if (source.startsWith('<?', i)) i = source.indexOf('?>', i) + 2;
      else if (source.startsWith('<!--', i)) i = source.indexOf('-->', i) + 3;
      else if (source.startsWith('<!DOCTYPE', i)) i = source.indexOf('>', i) + 1;
      else return;
      if (i <= 1) throw new Error('unterminated declaration');
    }
  };
  const element = (): XmlElement => {
    const open = /^<([A-Za-z_][\w.:-]*)/.exec(source.slice(i));
    if (!open) throw new Error(`expected an element at ${i}`);
    const node: XmlElement = { name: open[1]!, attributes: {}, children: [], text: '' };
    i += open[0].length;
    for (;;) {
      while (/\s/.test(source[i] ?? '')) i++;
      if (source.startsWith('/>', i)) {
        i += 2;
        return node;
      }
      if (source[i] === '>') {
        i++;
        break;
      }
      const attr = /^([A-Za-z_][\w.:-]*)\s*=\s*("([^"]*)"|'([^']*)')/.exec(source.slice(i));
      if (!attr) throw new Error(`bad attribute at ${i}`);
      if (attr[1]! in node.attributes) throw new Error(`duplicate attribute ${attr[1]} at ${i}`);
      node.attributes[attr[1]!] = decode(attr[3] ?? attr[4] ?? '', i);
      i += attr[0].length;
    }
    for (;;) {
      const next = source.indexOf('<', i);
      if (next < 0) throw new Error(`unclosed <${node.name}>`);
      node.text += decode(source.slice(i, next), i);
      i = next;
      if (source.startsWith('<!--', i)) {
        i = source.indexOf('-->', i) + 3;
      } else if (source.startsWith('</', i)) {
        const close = /^<\/([A-Za-z_][\w.:-]*)\s*>/.exec(source.slice(i));
        if (!close || close[1] !== node.name) throw new Error(`</${close?.[1]}> closes <${node.name}> at ${i}`);
        i += close[0].length;
        return node;
      } else node.children.push(element());
    }
  };
  skipMisc();
  const root = element();
  skipMisc();
  if (i !== source.length) throw new Error(`content after the root element at ${i}`);
  return root;
}

export function* walk(node: XmlElement): Generator<XmlElement> {
  yield node;
  for (const child of node.children) yield* walk(child);
}

export type Plist = string | number | boolean | Plist[] | { [key: string]: Plist };

/** An XML plist's value tree (dict, array, string, integer, true, false). */
export function plistValue(node: XmlElement): Plist {
  switch (node.name) {
    case 'plist':
      if (node.children.length !== 1) throw new Error('a plist holds one value');
      return plistValue(node.children[0]!);
    case 'string':
      return node.text;
    case 'integer':
      if (!/^-?\d+$/.test(node.text)) throw new Error(`bad integer ${node.text}`);
      return Number(node.text);
    case 'true':
      return true;
    case 'false':
      return false;
    case 'array':
      return node.children.map(plistValue);
    case 'dict': {
      const out: Record<string, Plist> = {};
      for (let k = 0; k < node.children.length; k += 2) {
        const key = node.children[k]!;
        const value = node.children[k + 1];
        if (key.name !== 'key' || !value) throw new Error('dict entries are <key> then a value');
        if (key.text in out) throw new Error(`duplicate key ${key.text}`);
        out[key.text] = plistValue(value);
      }
      return out;
    }
    default:
      throw new Error(`unexpected <${node.name}> in a plist`);
  }
}
