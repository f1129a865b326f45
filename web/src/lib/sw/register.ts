/** Registers the service worker with workbox-window and reports when a new version is waiting. */
import { Workbox } from 'workbox-window';

export interface Registration {
  /** Activates the waiting worker; the page reloads once it controls it. */
  update(): void;
}

export function registerServiceWorker(onUpdateWaiting: (reg: Registration) => void): void {
  if (!('serviceWorker' in navigator)) return;
  const wb = new Workbox('/service-worker.js', { scope: '/', type: 'classic' });
  wb.addEventListener('waiting', () =>
    onUpdateWaiting({
      update() {
        wb.addEventListener('controlling', () => location.reload());
        wb.messageSkipWaiting();
      }
    })
  );
  void wb.register();
}
