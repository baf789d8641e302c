/**
 * `npm run bench`: the entry. It raises the open-file limit first (lib/file-limit.ts), by
 * running itself again under `ulimit -n` when it must, and only then imports the bench
 * (main.ts, every figure group): the process that only starts the other never loads them.
 */
import { spawnSync } from 'node:child_process';
import { RAISED_ENV, rerunCommand } from './lib/file-limit.js';

const rerun = rerunCommand(process.env, process);
if (rerun) {
  const again = spawnSync(rerun.command, rerun.args, { stdio: 'inherit', env: { ...process.env, [RAISED_ENV]: '1' } });
  process.exit(again.status ?? 1);
}
await import('./main.js');
