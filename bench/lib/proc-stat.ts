/**
 * The `cpu` line of /proc/stat, parsed apart from reading it (pure, tested on captured lines):
 * the whole machine's CPU time so far, every core summed, in clock ticks.
 */
export interface CpuTicks {
  /** All but idle and I/O wait (steal included: the core was not ours to idle on). */
  busy: number;
  /** Time the hypervisor ran something else while this VM had work for the core. */
  steal: number;
  /** user + nice + system + idle + iowait + irq + softirq + steal (guest time is already in user). */
  total: number;
}

/** The machine's CPU ticks from the text of /proc/stat; null when its first line is not the summed `cpu` line with the steal column (kernels before 2.6.11). */
export function parseProcStat(text: string): CpuTicks | null {
  const [label, ...fields] = (text.split('\n', 1)[0] ?? '').trim().split(/\s+/);
  if (label !== 'cpu') return null;
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice
  const ticks = fields.slice(0, 8).map(Number);
  if (ticks.length < 8 || ticks.some((t) => !Number.isFinite(t) || t < 0)) return null;
  const total = ticks.reduce((a, b) => a + b, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { busy: total - idle, steal: ticks[7] ?? 0, total };
}

/**
 * The share (%) of the machine's CPU time between two readings that the hypervisor took for
 * other guests; null when either reading is missing or no tick passed between them.
 */
export function stealPct(from: CpuTicks | null, to: CpuTicks | null): number | null {
  if (!from || !to || to.total <= from.total) return null;
  return (100 * (to.steal - from.steal)) / (to.total - from.total);
}
