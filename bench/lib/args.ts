import { FIGURE_NAMES, type FigureName, type Scale } from './figure.js';

export interface BenchArgs {
  json: string | null;
  /** Figure names asked for; every figure when --only is absent. */
  only: Set<FigureName>;
  scale: Scale;
  /** Restrict DB-bound figures to one database. */
  db: 'sqlite' | 'postgres' | null;
  /** How long the soak runs, in minutes (null: its default). */
  soakMinutes: number | null;
  /** --profile DIR: collector children write CPU profiles (and heap snapshots on SIGUSR2) there. */
  profileDir: string | null;
  help: boolean;
}

export const USAGE = `npm run bench -- [--scale small|full] [--only NAME[,NAME...]] [--db sqlite|postgres] [--json FILE]

  --scale small   the same figures on a lighter load, in under 2 min (smoke values, not the full run's)
  --only          figures by name or prefix: sessions, decision.p99_ms, storm,...
  --db            run DB-bound figures on one database only
  --soak-minutes  how long the soak runs (default 5; 0.1, 6 s, at --scale small)
  --json FILE     also write {"machine", "figures"} as JSON
  --profile DIR   collector children write a CPU profile (.cpuprofile) to DIR when they stop,
                  and a heap snapshot on SIGUSR2 (kill -USR2 PID)

figures: ${FIGURE_NAMES.join(', ')}`;

export class ArgsError extends Error {}

export function parseArgs(argv: string[]): BenchArgs {
  const args: BenchArgs = {
    json: null,
    only: new Set(FIGURE_NAMES),
    scale: 'full',
    db: null,
    soakMinutes: null,
    profileDir: null,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new ArgsError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--json':
        args.json = value();
        break;
      case '--scale': {
        const scale = value();
        if (scale !== 'small' && scale !== 'full') throw new ArgsError(`--scale is small or full, not "${scale}"`);
        args.scale = scale;
        break;
      }
      case '--only':
        args.only = selectFigures(value());
        break;
      case '--db': {
        const db = value();
        if (db !== 'sqlite' && db !== 'postgres') throw new ArgsError(`--db is sqlite or postgres, not "${db}"`);
        args.db = db;
        break;
      }
      case '--soak-minutes': {
        const minutes = Number(value());
        if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 240)
          throw new ArgsError('--soak-minutes is a number of minutes, above 0 and at most 240');
        args.soakMinutes = minutes;
        break;
      }
      case '--profile':
        args.profileDir = value();
        break;
      case '--help':
      case '-h':
        args.help = true;
        break;
      default:
        throw new ArgsError(`unknown argument "${arg}"`);
    }
  }
  return args;
}

/** Names or prefixes ("sessions", "decision.p5") → the figures they name; an unknown one is an error. */
export function selectFigures(list: string): Set<FigureName> {
  const out = new Set<FigureName>();
  for (const token of list
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '')) {
    const matched = FIGURE_NAMES.filter((name) => name === token || name.startsWith(token));
    if (matched.length === 0) throw new ArgsError(`--only: no figure is named "${token}"; figures: ${FIGURE_NAMES.join(', ')}`);
    for (const name of matched) out.add(name);
  }
  if (out.size === 0) throw new ArgsError('--only names no figure');
  return out;
}
