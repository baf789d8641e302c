import type { IntuneManagedDevice } from '@devtrust/collector/sync/intune/map';
import { ListInventory, VendorTestServer, intParam, sampleIds, type Inventory, type Reply, type ServerRequest } from './server-kit.js';

/**
 * Microsoft Entra ID + Graph v1.0, as documented: `POST /{tenant}/oauth2/v2.0/token`
 * (client credentials, scope `<graph>/.default`) and `GET /v1.0/deviceManagement/managedDevices`
 * with `$select` (an unknown property is a 400, as on Graph) and `$top`, paged through an
 * absolute `@odata.nextLink` carrying a `$skiptoken`. One server plays both hosts.
 */
export interface IntuneServerOptions {
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  inventory?: Inventory<IntuneManagedDevice>;
  /** Where `@odata.nextLink` points (default: this server), to play a hostile or broken Graph. */
  nextLinkOrigin?: string;
}

export interface IntuneServer extends VendorTestServer {
  inventory: Inventory<IntuneManagedDevice>;
}

// managedDevice properties of Graph v1.0 a $select may name (managementState is beta-only).
const V1_PROPERTIES = new Set([
  'id',
  'userId',
  'deviceName',
  'managedDeviceOwnerType',
  'enrolledDateTime',
  'lastSyncDateTime',
  'operatingSystem',
  'complianceState',
  'jailBroken',
  'managementAgent',
  'osVersion',
  'easActivated',
  'easDeviceId',
  'azureADRegistered',
  'deviceEnrollmentType',
  'emailAddress',
  'azureADDeviceId',
  'deviceRegistrationState',
  'isSupervised',
  'isEncrypted',
  'userPrincipalName',
  'model',
  'manufacturer',
  'imei',
  'serialNumber',
  'phoneNumber',
  'userDisplayName',
  'wiFiMacAddress',
  'meid',
  'managedDeviceName',
  'ethernetMacAddress',
  'udid',
]);
const SYSTEMS = ['Windows', 'macOS', 'iOS', 'Android'];

/** Managed device number `i`, shaped like the documented example. */
export function intuneDevice(i: number): IntuneManagedDevice {
  const ids = sampleIds('IN', i);
  return {
    id: `705c034c-034c-705c-4c03-${i.toString(16).padStart(12, '0')}`,
    deviceName: `intune-${i}`,
    serialNumber: ids.serial,
    azureADDeviceId: `aad0${i.toString(16).padStart(4, '0')}-0000-4000-8000-000000000000`,
    wiFiMacAddress: ids.mac.replace(/:/g, ''),
    ethernetMacAddress: null,
    operatingSystem: SYSTEMS[i % SYSTEMS.length] as string,
    osVersion: '10.0.22631.3447',
    model: 'Latitude 7440',
    userPrincipalName: ids.email,
    emailAddress: ids.email,
    lastSyncDateTime: '2024-05-01T08:00:00Z',
  };
}

export async function startIntuneServer(options: IntuneServerOptions = {}): Promise<IntuneServer> {
  const tenantId = options.tenantId ?? '11111111-2222-3333-4444-555555555555';
  const clientId = options.clientId ?? 'intune-client-id';
  const clientSecret = options.clientSecret ?? 'intune-client-secret-0001';
  const inventory = options.inventory ?? new ListInventory<IntuneManagedDevice>();
  const graphError = (status: number, code: string, message: string): Reply => ({ status, json: { error: { code, message } } });

  const token = (request: ServerRequest): Reply => {
    const form = new URLSearchParams(request.body);
    if (request.url.pathname !== `/${tenantId}/oauth2/v2.0/token`) {
      return {
        status: 400,
        json: { error: 'invalid_request', error_description: `AADSTS90002: Tenant '${request.url.pathname.split('/')[1]}' not found.` },
      };
    }
    if (!form.get('scope')?.endsWith('/.default'))
      return { status: 400, json: { error: 'invalid_scope', error_description: 'AADSTS70011: invalid scope' } };
    if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) {
      return {
        status: 401,
        json: { error: 'invalid_client', error_description: `AADSTS7000215: Invalid client secret provided: ${form.get('client_secret')}` },
      };
    }
    return { status: 200, json: { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: server.tokens.issue() } };
  };

  const list = (request: ServerRequest): Reply => {
    if (!server.tokens.accepts(request.headers.authorization))
      return graphError(401, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.');
    const select = (request.url.searchParams.get('$select') ?? '').split(',').filter((p) => p !== '');
    const unknown = select.find((p) => !V1_PROPERTIES.has(p));
    if (unknown)
      return graphError(400, 'BadRequest', `Could not find a property named '${unknown}' on type 'microsoft.graph.managedDevice'.`);
    const top = Math.min(intParam(request.url, '$top', 1000), 1000);
    const skip = intParam(request.url, '$skiptoken', 0);
    const page = inventory.slice(skip, skip + top);
    const value =
      select.length === 0 ? page : page.map((d) => Object.fromEntries(select.map((p) => [p, (d as Record<string, unknown>)[p] ?? null])));
    const body: Record<string, unknown> = { '@odata.context': `${server.url}/v1.0/$metadata#deviceManagement/managedDevices`, value };
    if (skip + page.length < inventory.size()) {
      const next = new URL('/v1.0/deviceManagement/managedDevices', options.nextLinkOrigin ?? server.url);
      if (select.length > 0) next.searchParams.set('$select', select.join(','));
      next.searchParams.set('$top', String(top));
      next.searchParams.set('$skiptoken', String(skip + page.length));
      body['@odata.nextLink'] = next.toString();
    }
    return { status: 200, json: body };
  };

  const server = new VendorTestServer([
    { method: 'POST', path: /^\/[^/]+\/oauth2\/v2\.0\/token$/, handle: token },
    { method: 'GET', path: '/v1.0/deviceManagement/managedDevices', inventory: true, handle: list },
  ]) as IntuneServer;
  server.inventory = inventory;
  return server.start();
}
