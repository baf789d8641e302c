/**
 * The machine's state over a run, recorded with its figures: this VM's cores have run the same
 * code 2.5–3.5 times slower from one day to the next, so a figure means nothing without how
 * fast a core was when it was taken. Three fixed single-thread probes (the work a decision and a
 * report spend CPU on: an Ed25519 check, hashing, JSON) run at the start and at the end of the
 * run; /proc/stat gives the share of CPU time the hypervisor took for other guests in between.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseProcStat, stealPct, type CpuTicks } from './proc-stat.js';
import { median, now, round } from './timing.js';

/** One reading of the probes: lower µs and higher MB/s mean a faster core. */
export interface YardstickReading {
  /** Median µs of one synchronous `crypto.verify` of an Ed25519 signature over a fixed 600-byte message. */
  ed25519VerifyUs: number;
  /** SHA-256 of a fixed 1 MiB buffer, MB (10^6 bytes) per second, from the median hash. */
  sha256MBps: number;
  /** Median µs of `JSON.parse(JSON.stringify(x))` of a fixed 2 kB report-like object. */
  jsonRoundTripUs: number;
}

/** What a run records of the machine besides its fixed description. */
export interface RunMachineState {
  yardstick: { start: YardstickReading; end: YardstickReading };
  /** % of all cores' CPU time from the start probe to the end probe taken by the hypervisor (/proc/stat `steal`); null without /proc/stat. */
  stealPct: number | null;
  /** The 1-minute load average before each probe. */
  loadAverageStart: number;
  loadAverageEnd: number;
}

/** What the start of a run noted, for `atRunEnd`. */
export interface RunStart {
  yardstick: YardstickReading;
  ticks: CpuTicks | null;
  loadAverage: number;
}

/** A probe stops sampling after this long even short of its calls: on a very slow core the run should not wait on its yardstick. */
const PROBE_BUDGET_MS = 1000;

/** Median µs of `work` over `calls` timed calls, after `warmUp` untimed ones (JIT, caches), within the budget. */
function medianCallUs(calls: number, warmUp: number, work: () => void): number {
  for (let i = 0; i < warmUp; i++) work();
  const samples: number[] = [];
  const stopAt = now() + PROBE_BUDGET_MS;
  while (samples.length < calls && (samples.length === 0 || now() < stopAt)) {
    const started = now();
    work();
    samples.push((now() - started) * 1000);
  }
  return median(samples) as number;
}

// A fixed key (from a fixed seed: PKCS#8 prefix of an Ed25519 private key, then the seed), message and signature.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SEED = Buffer.alloc(32, 7);
const MESSAGE = Buffer.from(Array.from({ length: 600 }, (_, i) => (i * 31 + 17) & 0xff));
const HASHED = Buffer.from(Array.from({ length: 1024 * 1024 }, (_, i) => (i * 131 + 7) & 0xff));

/** A device report's shape and size (2 kB of JSON): strings, numbers, booleans, nesting, an array. */
const REPORT = {
  protocol: 1,
  endpointId: 'ep_01HZX3K9Q2M7V8R4T6Y1W5N0PA',
  sentAt: '2026-12-01T00:00:00.000Z',
  device: {
    hostname: 'yardstick-laptop-042.example.internal',
    serialNumber: 'C02ZK1XQMD6T',
    hardwareUuid: '4C4C4544-0051-3910-8048-B4C04F565A32',
    os: { family: 'macos', version: '15.1.1', build: '24B91', arch: 'arm64' },
    macAddresses: ['a4:83:e7:12:34:56', 'a4:83:e7:12:34:57', '3e:22:fb:00:11:22'],
  },
  posture: {
    diskEncrypted: true,
    firewallEnabled: true,
    screenLockSeconds: 300,
    osUpToDate: false,
    agents: Array.from({ length: 8 }, (_, i) => ({ name: `agent-${i}`, version: `${i}.4.${i * 3}`, running: i % 3 !== 0 })),
  },
  users: Array.from({ length: 6 }, (_, i) => ({ name: `user${i}`, uid: 501 + i, admin: i === 0, lastLogin: 1764547200 + i * 3600 })),
  notes: 'x'.repeat(700),
};

/** The probes once, in a fixed order; about 1–2 s on one core. */
export function measureYardstick(): YardstickReading {
  const privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, SEED]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey);
  const signature = sign(null, MESSAGE, privateKey);
  let valid = true;
  const ed25519VerifyUs = medianCallUs(2000, 100, () => {
    valid &&= verify(null, MESSAGE, publicKey, signature);
  });
  // A probe that did not do its work must not pass for a fast one.
  if (!valid) throw new Error('yardstick: the Ed25519 signature did not verify');
  const hashUs = medianCallUs(100, 5, () => {
    createHash('sha256').update(HASHED).digest();
  });
  let chars = 0;
  const jsonRoundTripUs = medianCallUs(2000, 100, () => {
    chars += (JSON.parse(JSON.stringify(REPORT)) as typeof REPORT).notes.length;
  });
  if (chars === 0) throw new Error('yardstick: the JSON round trip lost the object');
  return {
    ed25519VerifyUs: round(ed25519VerifyUs) as number,
    sha256MBps: round(HASHED.length / hashUs) as number,
    jsonRoundTripUs: round(jsonRoundTripUs) as number,
  };
}

function procStat(): CpuTicks | null {
  try {
    return parseProcStat(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return null;
  }
}

const loadAverage1m = (): number => round(loadavg()[0] ?? 0) as number;

/** Notes the load and the CPU ticks, then probes: call it first thing in a run. */
export function atRunStart(): RunStart {
  const loadAverage = loadAverage1m();
  const ticks = procStat();
  return { yardstick: measureYardstick(), ticks, loadAverage };
}

/** Probes again once the run's work is done (before its table), and gives what the run records. */
export function atRunEnd(start: RunStart): RunMachineState {
  const loadAverageEnd = loadAverage1m();
  const end = measureYardstick();
  const steal = stealPct(start.ticks, procStat());
  return {
    yardstick: { start: start.yardstick, end },
    stealPct: round(steal),
    loadAverageStart: start.loadAverage,
    loadAverageEnd,
  };
}

/** The probes as one line: `Ed25519 verify 63 µs, SHA-256 1900 MB/s, JSON round trip 12 µs`; `to` adds the end reading after an arrow. */
export function describeYardstick(from: YardstickReading, to?: YardstickReading): string {
  const pair = (key: keyof YardstickReading): string => (to ? `${from[key]} → ${to[key]}` : String(from[key]));
  return `Ed25519 verify ${pair('ed25519VerifyUs')} µs, SHA-256 ${pair('sha256MBps')} MB/s, JSON round trip ${pair('jsonRoundTripUs')} µs`;
}
