import type { MenuItemSpec } from './electron-port.js';
import type { StatusView } from './status-view.js';

export interface MenuActions {
  showStatus(): void;
  checkNow(): void;
  openLogs(): void;
  quit(): void;
}

/** Pure: the tray menu for a view. Quit is absent when the organization disallows it. */
export function trayMenu(view: StatusView, actions: MenuActions): MenuItemSpec[] {
  const items: MenuItemSpec[] = [
    { id: 'status', label: `DevTrust: ${view.headline}`, enabled: false },
    ...(view.detail
      ? [{ id: 'detail', label: view.detail.length > 80 ? `${view.detail.slice(0, 79)}…` : view.detail, enabled: false }]
      : []),
    { type: 'separator' },
    { id: 'show-status', label: 'Show status…', click: actions.showStatus },
    { id: 'check-now', label: 'Check now', enabled: view.connection.link === 'connected', click: actions.checkNow },
    { id: 'open-logs', label: 'Open logs', click: actions.openLogs },
  ];
  if (!view.managed.disallowQuit) items.push({ type: 'separator' }, { id: 'quit', label: 'Quit DevTrust', click: actions.quit });
  return items;
}
