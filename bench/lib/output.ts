import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { FIGURE_NAMES, type Db, type Figure, type Scale } from './figure.js';
import { withTarget } from './targets-issue.js';
import { round } from './timing.js';
import { describeYardstick, type RunMachineState } from './yardstick.js';

/** The machine a run's figures come from, and how fast its cores were over the run (lib/yardstick.ts). */
export interface Machine extends RunMachineState {
  cpus: number;
  memoryGb: number;
  node: string;
  /** `os.cpus()[0].model`: another model explains another speed; the same model rules none out (the yardstick says). */
  cpuModel: string;
}

export function machine(run: RunMachineState): Machine {
  return {
    cpus: os.cpus().length,
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    ...run,
  };
}

/** The machine as the line printed above the table, so a copied table keeps it. */
export function machineLine(m: Machine): string {
  const steal = m.stealPct === null ? 'steal unknown (no /proc/stat)' : `${m.stealPct} % of CPU time stolen`;
  return (
    `machine: ${m.cpuModel}, ${m.cpus} CPUs, Node ${m.node}; start → end: ${describeYardstick(m.yardstick.start, m.yardstick.end)}, ` +
    `load average ${m.loadAverageStart} → ${m.loadAverageEnd}; ${steal}`
  );
}

/** Figures in the documented order, sqlite before postgres, with display rounding. */
export function ordered(figures: Figure[], scale: Scale = 'full'): Figure[] {
  return [...figures]
    .sort((a, b) => FIGURE_NAMES.indexOf(a.name) - FIGURE_NAMES.indexOf(b.name) || dbRank(a.db) - dbRank(b.db))
    .map((f) => withTarget(f, scale))
    .map((f) => ({
      ...f,
      value: round(f.value),
      limit: round(f.limit),
      ratio: round(f.ratio),
      ...(f.detail
        ? { detail: Object.fromEntries(Object.entries(f.detail).map(([k, v]) => [k, typeof v === 'number' ? round(v) : v])) }
        : {}),
    }));
}

/** sqlite, postgres, then postgres-2, postgres-3, … (more collectors later), then figures of no database. */
function dbRank(db: Db): number {
  if (db === 'sqlite') return 0;
  if (db === 'postgres') return 1;
  if (db === '-') return Number.MAX_SAFE_INTEGER;
  return 1 + Number(db.slice('postgres-'.length));
}

const show = (v: number | null): string => (v === null ? '—' : String(v));

export function table(figures: Figure[]): string {
  const header = ['figure', 'db', 'value', 'unit', 'limit', 'ratio', 'target', 'note'];
  const clip = (note: string): string => (note.length > 160 ? `${note.slice(0, 157)}...` : note);
  const met = (f: Figure): string =>
    f.target === undefined || f.target === null ? '' : `${f.met === true ? 'met' : f.met === false ? 'MISSED' : '—'}: ${f.target}`;
  const rows = figures.map((f) => [f.name, f.db, show(f.value), f.unit, show(f.limit), show(f.ratio), met(f), clip(f.note ?? '')]);
  const last = header.length - 1;
  const widths = header.map((h, i) => Math.max(h.length, ...rows.filter(() => i < last).map((r) => (r[i] as string).length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === last ? c : i >= 2 && i <= 5 && i !== 3 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w, i) => (i === last ? '----' : '-'.repeat(w)))), ...rows.map(line)].join('\n');
}

export function writeJson(
  file: string,
  figures: Figure[],
  info: { machine: Machine; scale: Scale; startedAt: string; durationS: number },
): void {
  const document = { machine: info.machine, scale: info.scale, startedAt: info.startedAt, durationS: info.durationS, figures };
  writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
}
