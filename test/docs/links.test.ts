import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'vitest';
import { ROOT } from '../support/bin.js';

/**
 * The README and docs/ are what a newcomer reads in a clone: every link must lead to a file of
 * that clone. A link to ../shared or any path outside the repository works only on the machine
 * it was written on.
 */
const FILES = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const [, heading] of markdown.matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    out.add(
      (heading as string)
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    );
  }
  return out;
}

/** Markdown links and images `[text](target)`, and reference definitions `[label]: target`. */
function links(markdown: string): string[] {
  const inline = [...markdown.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] as string);
  const references = [...markdown.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)].map((m) => m[1] as string);
  return [...inline, ...references];
}

const inside = (target: string): boolean => {
  const relative = path.relative(ROOT, target);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
};

describe('README.md and docs/*.md link only inside the repository', () => {
  it('finds the files it checks', () => {
    assert.ok(FILES.includes('README.md'));
    assert.ok(FILES.length > 1, 'docs/ holds no markdown file');
  });

  for (const file of FILES) {
    it(file, () => {
      const markdown = readFileSync(path.join(ROOT, file), 'utf8');
      const dir = path.dirname(path.join(ROOT, file));
      const problems: string[] = [];
      for (const link of links(markdown)) {
        if (/^(https?:|mailto:)/i.test(link)) continue;
        if (/^[a-z][a-z0-9+.-]*:/i.test(link)) {
          problems.push(`${link}: not a link into the repository`);
          continue;
        }
        const [target = '', anchor] = link.split('#');
        if (target.startsWith('/')) {
          problems.push(`${link}: an absolute path, outside the repository`);
          continue;
        }
        const resolved = target === '' ? path.join(ROOT, file) : path.resolve(dir, decodeURIComponent(target));
        if (!inside(resolved)) problems.push(`${link}: outside the repository`);
        else if (!existsSync(resolved)) problems.push(`${link}: no such file`);
        else if (anchor && statSync(resolved).isFile() && resolved.endsWith('.md') && !anchors(readFileSync(resolved, 'utf8')).has(anchor))
          problems.push(`${link}: no heading "#${anchor}" in ${path.relative(ROOT, resolved)}`);
      }
      // Paths written as text or code (`../shared/SPEC.md`) mislead as much as links do.
      for (const [reference] of markdown.matchAll(/(?<![\w/])(?:\.\.\/)+[\w.-][\w./-]*/g)) {
        if (!inside(path.resolve(dir, reference))) problems.push(`${reference}: a path outside the repository`);
      }
      assert.deepEqual(problems, [], `${file}:\n  ${problems.join('\n  ')}`);
    });
  }
});
