import type { OidcPayloadsRepo } from './oidc-payloads.js';

/** Which transaction the device-check prompt of one interaction (by its uid) waits on. */
export class OidcPromptsRepo {
  static readonly MODEL = 'PromptTransaction';

  constructor(private readonly payloads: OidcPayloadsRepo) {}

  async save(uid: string, transactionId: string, expiresAt: number): Promise<void> {
    await this.payloads.upsert({
      model: OidcPromptsRepo.MODEL,
      id: uid,
      payload: { extra: { transactionId } },
      grantId: null,
      uid: null,
      userCode: null,
      expiresAt,
    });
  }

  async transactionIdOf(uid: string): Promise<string | null> {
    const stored = await this.payloads.find(OidcPromptsRepo.MODEL, { id: uid });
    const id = (stored?.payload.extra as { transactionId?: unknown } | undefined)?.transactionId;
    return typeof id === 'string' ? id : null;
  }

  async forget(uid: string): Promise<void> {
    await this.payloads.destroy(OidcPromptsRepo.MODEL, uid);
  }
}
