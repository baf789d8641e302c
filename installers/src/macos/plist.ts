import { xmlEscape } from '../xml.js';

export type PlistValue = string | number | boolean | PlistValue[] | { [key: string]: PlistValue };

function write(value: PlistValue, indent: string): string {
  const inner = `${indent}\t`;
  if (typeof value === 'string') return `${indent}<string>${xmlEscape(value)}</string>`;
  if (typeof value === 'boolean') return `${indent}<${value}/>`;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error('only integers are written');
    return `${indent}<integer>${value}</integer>`;
  }
  if (Array.isArray(value)) return [`${indent}<array>`, ...value.map((item) => write(item, inner)), `${indent}</array>`].join('\n');
  // Keys sorted, as Apple's tools write them: stable output, easy diffs.
  const entries = Object.keys(value)
    .sort()
    .flatMap((key) => [`${inner}<key>${xmlEscape(key)}</key>`, write(value[key] as PlistValue, inner)]);
  return [`${indent}<dict>`, ...entries, `${indent}</dict>`].join('\n');
}

/** An XML property list, as configuration profiles are. */
export function toPlistXml(root: PlistValue): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    write(root, ''),
    '</plist>',
    '',
  ].join('\n');
}
