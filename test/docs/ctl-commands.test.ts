import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'vitest';
import { COMMANDS } from '@devtrust/collector/cli/ctl-commands';
import { ROOT } from '../support/bin.js';

const FILES = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/**
 * The command words of every `devtrustctl …` a doc names inside a code span or block: the words
 * after `devtrustctl` and its leading flags (`--url U`), up to the first flag, argument or end.
 */
function namedCommands(markdown: string): string[] {
  // Fenced blocks, then inline spans (which may wrap across lines, never across a paragraph).
  const code = [...markdown.matchAll(/```[\s\S]*?```|`(?:[^`\n]|\n(?!\s*\n))+`/g)].map((m) => m[0]);
  const out: string[] = [];
  for (const span of code) {
    for (const [, rest] of span.matchAll(/\bdevtrustctl((?:[ \t]+[^\s`|;&]+)*)/g)) {
      const words = (rest as string).trim().split(/\s+/).filter(Boolean);
      // Global flags before the command: --url U, --api-key K (or --flag=value).
      while (words[0]?.startsWith('--') && !['--help', '--json', '--version'].includes(words[0])) {
        words.splice(0, words[0].includes('=') ? 1 : 2);
      }
      const command: string[] = [];
      for (const word of words) {
        if (!/^[a-z][a-z-]*$/.test(word) || command.length === 2) break;
        command.push(word);
      }
      if (command.length > 0) out.push(command.join(' '));
    }
  }
  return out;
}

const known = (words: string): boolean => {
  const [first, second] = words.split(' ');
  // One word that names a command, or two words of a two-word command; a one-word command
  // followed by an argument (`devtrustctl kind workspace-one`) is the one-word command.
  return COMMANDS.some((c) => c.name === words || c.name === first || (second === undefined && c.name.startsWith(`${first} `)));
};

/** A command a doc tells an admin to type must be one devtrustctl knows (README named `endpoint list`). */
describe('devtrustctl commands named in README.md and docs/', () => {
  it('are all in the command table', () => {
    const unknown: string[] = [];
    let seen = 0;
    for (const file of FILES) {
      for (const words of namedCommands(readFileSync(path.join(ROOT, file), 'utf8'))) {
        seen += 1;
        if (!known(words)) unknown.push(`${file}: devtrustctl ${words}`);
      }
    }
    assert.ok(seen > 20, `only ${seen} devtrustctl commands found: the reader is broken`);
    assert.deepEqual(unknown, []);
  });
});
