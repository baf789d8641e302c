import type { Logger } from 'pino';

/** A due integration whose scheduled sync has not started: every scheduled slot was taken. */
export interface SlotWait {
  /** When it became due (ms since the epoch). */
  since: number;
  /** The scheduled runs that held the slots at the last tick. */
  running: string[];
  message: string;
}

/**
 * Scheduled syncs that are late for want of a slot, so the admin sees it on the integration
 * (`syncWaiting`) and in the log: a late sync used to be silent, and slots held by runs hanging
 * on slow vendors kept every other integration unsynced for twenty minutes before anyone knew.
 * Kept by this process's scheduler (its slots are its own); a wait ends when the integration
 * starts or is no longer due.
 */
export class SlotWaits {
  private readonly waits = new Map<string, SlotWait>();

  constructor(private readonly log: Logger) {}

  /** Records this tick's wait; warns once per wait, not on every tick it lasts. */
  waiting(integration: { id: string; name: string }, dueAt: number, running: string[]): void {
    const earlier = this.waits.get(integration.id);
    const since = earlier?.since ?? dueAt;
    const message = `waiting for a free sync slot since ${new Date(since).toISOString()}; running: ${running.join(', ')}`;
    this.waits.set(integration.id, { since, running, message });
    if (!earlier) this.log.warn({ integrationId: integration.id, name: integration.name, running }, `scheduled sync late: ${message}`);
  }

  /** Ends every wait but those this tick recorded. */
  keepOnly(waiting: Set<string>): void {
    for (const id of this.waits.keys()) if (!waiting.has(id)) this.waits.delete(id);
  }

  get(integrationId: string): SlotWait | null {
    return this.waits.get(integrationId) ?? null;
  }
}
