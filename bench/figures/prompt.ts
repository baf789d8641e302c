import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { figure, notRun, type Db, type Detail, type Figure, type FigureGroup } from '../lib/figure.js';

/**
 * prompt.redirect_ms comes from bench/prompt.ts, written with the browser prompt:
 * `benchPrompt(options)` (options: see PromptBenchOptions) resolves with a number of
 * milliseconds, or `{value, unit?, limit?, note?, detail?, db?}`, or a list of those.
 */
export interface PromptBenchOptions {
  scale: 'full' | 'small';
  /** 1 at full scale, 0.1 at small. */
  factor: number;
  databases: ('sqlite' | 'postgres')[];
  log(message: string): void;
  /** Cleanup run when the group ends, whatever happened. */
  defer(cleanup: () => unknown): void;
}

interface PromptResult {
  value: number | null;
  unit?: string;
  limit?: number | null;
  note?: string;
  detail?: Detail;
  db?: Db;
}

const MODULE = new URL('../prompt.ts', import.meta.url);

function toFigure(result: number | PromptResult): Figure {
  if (typeof result === 'number') return figure('prompt.redirect_ms', '-', result, 'ms', null);
  return figure('prompt.redirect_ms', result.db ?? '-', result.value ?? null, result.unit ?? 'ms', result.limit ?? null, {
    ...(result.note ? { note: result.note } : {}),
    ...(result.detail ? { detail: result.detail } : {}),
  });
}

export const promptGroup: FigureGroup = {
  id: 'prompt',
  names: ['prompt.redirect_ms'],
  timeoutMs: 5 * 60_000,
  async run(ctx) {
    if (!existsSync(fileURLToPath(MODULE)))
      return [notRun('prompt.redirect_ms', '-', 'ms', 'not available yet: bench/prompt.ts (benchPrompt) does not exist')];
    const module = (await import(MODULE.href)) as {
      benchPrompt?: (options: PromptBenchOptions) => Promise<number | PromptResult | PromptResult[]>;
    };
    if (typeof module.benchPrompt !== 'function')
      return [notRun('prompt.redirect_ms', '-', 'ms', 'not available yet: bench/prompt.ts exports no benchPrompt')];
    const result = await module.benchPrompt({
      scale: ctx.scale,
      factor: ctx.factor,
      databases: ctx.databases,
      log: ctx.log,
      defer: ctx.defer,
    });
    return (Array.isArray(result) ? result : [result]).map(toFigure);
  },
};
