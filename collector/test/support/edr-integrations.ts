import type { TestCollector } from '../../../test/support/collector.js';

/** Creates an EDR integration through the admin API and activates it (all users by default). */
export async function createEdrIntegration(
  c: TestCollector,
  kind: string,
  config: Record<string, unknown>,
  options: { name?: string; platforms?: string[]; activation?: unknown } = {},
): Promise<string> {
  const created = await c.admin('POST', '/admin/v1/integrations', {
    kind,
    name: options.name ?? `${kind} tenant`,
    platforms: options.platforms ?? ['windows', 'macos'],
    config,
  });
  if (created.status !== 201) throw new Error(`creating the ${kind} integration failed: ${JSON.stringify(created.body)}`);
  const id = created.body.id as string;
  const activation = await c.admin('PUT', `/admin/v1/integrations/${id}/activation`, options.activation ?? { mode: 'all-users' });
  if (activation.status !== 200) throw new Error(JSON.stringify(activation.body));
  return id;
}

/** Starts a sync through the admin API and waits for its run to finish; returns the run. */
export async function syncAndWait(
  c: TestCollector,
  id: string,
): Promise<{ status: string; pages: number; devices: number; error: string | null }> {
  const started = await c.admin('POST', `/admin/v1/integrations/${id}/sync`);
  if (started.status !== 202) throw new Error(`starting the sync failed: ${JSON.stringify(started.body)}`);
  for (;;) {
    const runs = (await c.admin('GET', `/admin/v1/integrations/${id}/syncs`)).body.syncs as {
      id: string;
      status: string;
      pages: number;
      devices: number;
      error: string | null;
    }[];
    const run = runs.find((r) => r.id === started.body.syncId);
    if (run && run.status !== 'running') return run;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
