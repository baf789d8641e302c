import type { Context } from 'koa';
import type Provider from 'oidc-provider';

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

/**
 * Ends the provider session an earlier sign-in left in this browser, before the device
 * check's result is handed to the provider.
 *
 * Why: oidc-provider treats a login for another account than the session's as an account
 * switch and answers the resume with an auto-submitted form to its RP-initiated logout
 * confirmation (`end_session_confirm`). DevTrust does not serve logout: each sign-in is its
 * own device check and a session vouches for nothing, so the second person in a browser
 * got a JSON 404 instead of their sign-in. Ending the session here (rather than enabling
 * logout) means no new public endpoint, no logout page to explain, and nothing of the
 * first person's session (its sid, its authorizations) carried into the next ID token.
 *
 * The interaction also remembers the session it started under; that snapshot is cleared
 * too, or the provider would refuse the resume as a session mismatch. The session is the
 * one this browser's signed cookie holds now (another tab may have replaced the snapshot's).
 */
export async function endEarlierSession(ctx: Context, provider: Provider, interaction: Interaction): Promise<void> {
  const current = await provider.Session.get(ctx);
  if (current.accountId) await current.destroy();
  if (interaction.session) {
    interaction.session = undefined;
    await interaction.save(Math.max(interaction.exp - Math.floor(Date.now() / 1000), 1));
  }
}
