import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/** A flag a binary accepts: `--name VALUE` (string) or a bare switch (boolean). */
export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** A string flag that may be given more than once: its values go to `lists`, in order. */
  multiple?: boolean;
}
export type FlagSpecs = Record<string, FlagSpec>;

export interface CommandLine {
  /** Given flags by name (without dashes): the string value, or true for a switch. */
  values: Record<string, string | true>;
  /** The values of `multiple` flags by name, in the order given (absent: never given). */
  lists: Record<string, string[]>;
  positionals: string[];
}

/** Bad command-line input; the binary prints `<bin>: <message>` and exits 2. */
export class CommandLineError extends Error {
  constructor(
    message: string,
    /** The flag at fault (as typed), when one is. */
    readonly flag?: string,
  ) {
    super(message);
    this.name = 'CommandLineError';
  }
}

/**
 * The one parser every DevTrust binary uses. node's util.parseArgs splits the arguments; the
 * checks are ours so that each refusal is one line naming the flag (parseArgs' own strict
 * messages run over several lines and suggest shell syntax). An unknown flag is always
 * refused: a mistyped `--enrolment-key` must not be silently ignored.
 */
export function parseCommandLine(argv: readonly string[], flags: FlagSpecs, options: { positionals?: boolean } = {}): CommandLine {
  const { tokens } = parseArgs({ args: [...argv], options: flags, strict: false, allowPositionals: true, tokens: true });
  const values: Record<string, string | true> = {};
  const lists: Record<string, string[]> = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      if (options.positionals !== true) throw new CommandLineError(`unexpected argument "${token.value}" (see --help)`);
      positionals.push(token.value);
      continue;
    }
    const spec = Object.hasOwn(flags, token.name) ? flags[token.name] : undefined;
    if (!spec) throw new CommandLineError(`unknown flag ${token.rawName} (see --help)`, token.rawName);
    if (spec.type === 'boolean') {
      if (token.inlineValue) throw new CommandLineError(`${token.rawName} takes no value`, token.rawName);
      values[token.name] = true;
      continue;
    }
    // parseArgs (non-strict) takes the next argument even when it is another flag: refuse
    // that, so `--collector --once` does not quietly become the collector URL "--once".
    if (token.value === undefined || (!token.inlineValue && token.value.startsWith('-') && token.value !== '-'))
      throw new CommandLineError(`${token.rawName} needs a value`, token.rawName);
    if (spec.multiple) (lists[token.name] ??= []).push(token.value);
    else values[token.name] = token.value;
  }
  return { values, lists, positionals };
}

/** The `version` of the package.json at this file URL (binaries answer it to --version). */
export function packageVersion(packageJson: URL): string {
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
}
