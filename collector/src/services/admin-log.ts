import type { AdminActor, AdminLogPage, AdminLogQuery, AdminResourceType } from '../domain/admin-log.js';
import type { Store } from '../store/store.js';
import { adminLogView } from './admin-log-views.js';

/** One action to record; `before` and `after` are the resource as it was and is (secrets are removed here). */
export interface AdminAction {
  resourceType: AdminResourceType;
  resourceId: string | null;
  action: string;
  before?: unknown;
  after?: unknown;
}

/**
 * Records one administrator action. Called with the store of the transaction that makes the
 * change (`store.transaction`), the entry commits or rolls back with it; called with the
 * collector's store, after a change that cannot run in one transaction (a sync, an upload,
 * a deletion done in steps). Any service may call it: it needs only a store.
 */
export async function recordAdminAction(store: Store, actor: AdminActor, action: AdminAction): Promise<void> {
  await store.adminLog.append(actor, {
    resourceType: action.resourceType,
    resourceId: action.resourceId,
    action: action.action,
    before: adminLogView(action.resourceType, action.before),
    after: adminLogView(action.resourceType, action.after),
  });
}

/** The administrator actions log as the admin API reads it. */
export class AdminLogService {
  constructor(private readonly store: Store) {}

  query(query: AdminLogQuery): Promise<AdminLogPage> {
    return this.store.adminLog.query(query);
  }

  /** Records an action outside any transaction (see recordAdminAction). */
  record(actor: AdminActor, action: AdminAction): Promise<void> {
    return recordAdminAction(this.store, actor, action);
  }
}
