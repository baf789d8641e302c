import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isDisplaySafe } from '@devtrust/shared/identity/unsafe-text';
import { KEY_KINDS, type KeyKind } from '@devtrust/shared/protocol/key-kinds';
import { collectorAddress } from '../config/collector-url.js';
import { writePrivateFile } from '../keys/key-store.js';

/** What the link remembers between runs, beside the device key: its enrollment with one collector. */
export interface AgentState {
  /** The collector this enrollment belongs to; another collector means enrolling anew. */
  collectorUrl: string | null;
  endpointId: string | null;
  lastSeq: number;
  /** The kind of key this enrollment uses (absent in state files from before key kinds: software). */
  keyKind?: KeyKind;
  /** Set when the enrollment was carried over from an earlier URL of the same collector (previousCollectorUrls). */
  movedFrom?: { collectorUrl: string; at: string };
}

/** As long as a collector URL setting may be (the ADMX's limit). */
const MAX_URL_LENGTH = 2048;

/**
 * A move's record, as the agent writes it: an http(s) URL a person can read, and a time. It
 * lets a rolled-back move go back (enrollment-plan.ts) and is shown by doctor and the tray,
 * so a hand-edited one that is anything else is dropped.
 */
function movedFromOf(raw: unknown): AgentState['movedFrom'] | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { collectorUrl, at } = raw as Record<string, unknown>;
  if (typeof collectorUrl !== 'string' || typeof at !== 'string') return undefined;
  if (collectorUrl.length > MAX_URL_LENGTH || !isDisplaySafe(collectorUrl) || collectorAddress(collectorUrl) === null) return undefined;
  return Number.isNaN(Date.parse(at)) || !/^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(at) ? undefined : { collectorUrl, at };
}

export class StateFile {
  private readonly file: string;
  /** Saves are chained so the file always ends with the last state written. */
  private writing: Promise<void> = Promise.resolve();
  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'state.json');
  }

  async load(): Promise<AgentState> {
    try {
      const raw = JSON.parse(await readFile(this.file, 'utf8')) as Partial<AgentState>;
      const movedFrom = movedFromOf(raw.movedFrom);
      return {
        collectorUrl: typeof raw.collectorUrl === 'string' ? raw.collectorUrl : null,
        endpointId: typeof raw.endpointId === 'string' ? raw.endpointId : null,
        lastSeq: typeof raw.lastSeq === 'number' && Number.isSafeInteger(raw.lastSeq) ? raw.lastSeq : 0,
        ...((KEY_KINDS as readonly unknown[]).includes(raw.keyKind) ? { keyKind: raw.keyKind as KeyKind } : {}),
        ...(movedFrom ? { movedFrom } : {}),
      };
    } catch {
      return { collectorUrl: null, endpointId: null, lastSeq: 0 };
    }
  }

  save(state: AgentState): Promise<void> {
    const text = `${JSON.stringify(state, null, 2)}\n`;
    this.writing = this.writing.catch(() => undefined).then(() => writePrivateFile(this.file, text));
    return this.writing;
  }
}
