import { basicAuth } from '@devtrust/collector/sync/kit/auth';
import { intuneDevice, startIntuneServer } from '../../vendors/mdm/intune.js';
import { jamfComputer, startJamfProServer } from '../../vendors/mdm/jamf-pro.js';
import { kandjiDevice, startKandjiServer } from '../../vendors/mdm/kandji.js';
import { mobileIronDevice, startMobileIronCoreServer } from '../../vendors/mdm/mobileiron-core.js';
import { startWorkspaceOneServer, workspaceOneDevice } from '../../vendors/mdm/workspace-one.js';
import type { VendorHarness } from './harness.js';

/** How the shared contract drives each vendor: its test server, its configs, its messages. */

const PAGE = { pageSize: 3 };

export const jamfProHarness: VendorHarness<ReturnType<typeof jamfComputer>> = {
  kind: 'jamf-pro',
  vendorName: 'Jamf Pro',
  platforms: ['macos'],
  make: jamfComputer,
  identifier: (i) => jamfComputer(i).hardware?.serialNumber as string,
  async start(inventory, tenant) {
    const clientSecret = `jamf-secret-${tenant}-0001`;
    const server = await startJamfProServer({ inventory, clientId: 'jamf-client', clientSecret });
    const config = { baseUrl: server.url, clientId: 'jamf-client', clientSecret, ...PAGE };
    return { server, config, badConfig: { ...config, clientSecret: 'jamf-wrong-secret-0001' } };
  },
  badCredentials: /^401 from Jamf Pro: check the client ID and secret/,
  secretsOf: (config) => [config.clientSecret as string],
};

export const kandjiHarness: VendorHarness<ReturnType<typeof kandjiDevice>> = {
  kind: 'kandji',
  vendorName: 'Kandji',
  platforms: ['macos', 'ios'],
  make: kandjiDevice,
  identifier: (i) => kandjiDevice(i).serial_number as string,
  async start(inventory, tenant) {
    const apiToken = `kandji-token-${tenant}-0001`;
    const server = await startKandjiServer({ inventory, apiToken });
    const config = { baseUrl: server.url, apiToken, ...PAGE };
    return { server, config, badConfig: { ...config, apiToken: 'kandji-wrong-token-0001' } };
  },
  badCredentials: /^401 from Kandji: check the API token/,
  secretsOf: (config) => [config.apiToken as string],
};

export const mobileIronHarness: VendorHarness<ReturnType<typeof mobileIronDevice>> = {
  kind: 'mobileiron-core',
  vendorName: 'MobileIron Core',
  platforms: ['windows', 'macos', 'ios', 'android'],
  make: mobileIronDevice,
  identifier: (i) => mobileIronDevice(i)['common.SerialNumber'] as string,
  async start(inventory, tenant) {
    const password = `mi-password-${tenant}-0001`;
    const server = await startMobileIronCoreServer({ inventory, username: 'api-admin', password, spaceId: 1 });
    const config = { baseUrl: server.url, username: 'api-admin', password, spaceId: 1, ...PAGE };
    return { server, config, badConfig: { ...config, password: 'mi-wrong-password-0001' } };
  },
  badCredentials: /^401 from MobileIron Core: check the username and password/,
  secretsOf: (config) => [config.password as string, basicAuth(config.username as string, config.password as string).slice(6)],
};

export const workspaceOneHarness: VendorHarness<ReturnType<typeof workspaceOneDevice>> = {
  kind: 'workspace-one',
  vendorName: 'Workspace ONE UEM',
  platforms: ['windows', 'macos', 'ios', 'android'],
  make: workspaceOneDevice,
  identifier: (i) => workspaceOneDevice(i).SerialNumber as string,
  async start(inventory, tenant) {
    const tenantCode = `ws1-tenant-code-${tenant}-0001`;
    const password = `ws1-password-${tenant}-0001`;
    const server = await startWorkspaceOneServer({ inventory, tenantCode, username: 'api-admin', password });
    const config = { baseUrl: server.url, username: 'api-admin', password, tenantCode, ...PAGE };
    return { server, config, badConfig: { ...config, password: 'ws1-wrong-password-0001' } };
  },
  badCredentials: /^401 from Workspace ONE UEM: check the username, password and the tenant code/,
  secretsOf: (config) =>
    [config.password, config.tenantCode, config.clientSecret]
      .filter((s): s is string => typeof s === 'string')
      .concat(typeof config.username === 'string' ? [basicAuth(config.username, config.password as string).slice(6)] : []),
};

export const intuneHarness: VendorHarness<ReturnType<typeof intuneDevice>> = {
  kind: 'intune',
  vendorName: 'Microsoft Intune',
  platforms: ['windows', 'macos', 'ios', 'android'],
  make: intuneDevice,
  identifier: (i) => intuneDevice(i).serialNumber as string,
  async start(inventory, tenant) {
    const tenantId = tenant === 'a' ? '11111111-2222-3333-4444-555555555555' : 'contoso.onmicrosoft.com';
    const clientSecret = `intune-secret-${tenant}-0001`;
    const server = await startIntuneServer({ inventory, tenantId, clientId: 'intune-app', clientSecret });
    const config = { tenantId, clientId: 'intune-app', clientSecret, loginUrl: server.url, graphUrl: server.url, ...PAGE };
    return { server, config, badConfig: { ...config, clientSecret: 'intune-wrong-secret-0001' } };
  },
  badCredentials: /^401 from Microsoft Entra ID: check the client ID and client secret/,
  secretsOf: (config) => [config.clientSecret as string],
};

export const ALL_HARNESSES: VendorHarness<any>[] = [jamfProHarness, kandjiHarness, mobileIronHarness, workspaceOneHarness, intuneHarness];
