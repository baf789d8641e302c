import type { WorkspaceOneDevice } from '@devtrust/collector/sync/workspace-one/map';
import {
  ListInventory,
  VendorTestServer,
  basicCredentials,
  intParam,
  sampleIds,
  type Inventory,
  type Reply,
  type ServerRequest,
} from './server-kit.js';

/**
 * Workspace ONE UEM, as its REST API documents: `GET /API/mdm/devices/search?page=&pagesize=`
 * (0-based), `aw-tenant-code` on every call, Basic auth or a bearer token from the OAuth
 * token URL (served here at `/connect/token`); `{Devices, Page, PageSize, Total}`, or 204
 * with no body when nothing matches.
 */
export interface WorkspaceOneServerOptions {
  tenantCode?: string;
  username?: string;
  password?: string;
  clientId?: string;
  clientSecret?: string;
  inventory?: Inventory<WorkspaceOneDevice>;
}

export interface WorkspaceOneServer extends VendorTestServer {
  inventory: Inventory<WorkspaceOneDevice>;
}

const PLATFORMS = ['WinRT', 'AppleOsX', 'Apple', 'Android'];

/** Device number `i`, shaped like the documented example. */
export function workspaceOneDevice(i: number): WorkspaceOneDevice {
  const ids = sampleIds('WS', i);
  return {
    Id: { Value: i + 1 },
    Udid: ids.uuid.replace(/-/g, ''),
    SerialNumber: ids.serial,
    MacAddress: ids.mac.replace(/:/g, ''),
    DeviceFriendlyName: `ws1-${i}`,
    Platform: PLATFORMS[i % PLATFORMS.length] as string,
    Model: 'Surface Laptop 5',
    OperatingSystem: '10.0.22631',
    UserName: `user${i}`,
    UserEmailAddress: ids.email,
    EnrollmentStatus: 'Enrolled',
    LastSeen: '2024-05-01T08:00:00.000',
  };
}

export async function startWorkspaceOneServer(options: WorkspaceOneServerOptions = {}): Promise<WorkspaceOneServer> {
  const tenantCode = options.tenantCode ?? 'ws1-tenant-code-0001';
  const username = options.username ?? 'api-admin';
  const password = options.password ?? 'ws1-password-0001';
  const clientId = options.clientId ?? 'ws1-client-id';
  const clientSecret = options.clientSecret ?? 'ws1-client-secret-0001';
  const inventory = options.inventory ?? new ListInventory<WorkspaceOneDevice>();

  const token = (request: ServerRequest): Reply => {
    const form = new URLSearchParams(request.body);
    if (form.get('grant_type') !== 'client_credentials') return { status: 400, json: { error: 'unsupported_grant_type' } };
    if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret)
      return { status: 400, json: { error: 'invalid_client' } };
    return { status: 200, json: { access_token: server.tokens.issue(), expires_in: 3600, token_type: 'Bearer' } };
  };

  const search = (request: ServerRequest): Reply => {
    const basic = basicCredentials(request.headers.authorization);
    const authorized = basic
      ? basic.user === username && basic.password === password
      : server.tokens.accepts(request.headers.authorization);
    if (request.headers['aw-tenant-code'] !== tenantCode || !authorized) {
      return {
        status: 401,
        json: {
          errorCode: 1005,
          message: `User credentials are invalid (tenant code ${request.headers['aw-tenant-code']})`,
          activityId: 'a1',
        },
      };
    }
    const page = intParam(request.url, 'page', 0);
    const pageSize = Math.min(intParam(request.url, 'pagesize', 500), 1000);
    const devices = inventory.slice(page * pageSize, (page + 1) * pageSize);
    if (devices.length === 0) return { status: 204 };
    return { status: 200, json: { Devices: devices, Page: page, PageSize: pageSize, Total: inventory.size() } };
  };

  const server = new VendorTestServer([
    { method: 'POST', path: '/connect/token', handle: token },
    { method: 'GET', path: '/API/mdm/devices/search', inventory: true, handle: search },
  ]) as WorkspaceOneServer;
  server.inventory = inventory;
  return server.start();
}
