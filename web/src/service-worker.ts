/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
/**
 * The service worker: precaches the app shell (so the app opens offline), serves model files
 * CacheFirst (their URLs are immutable), takes photos shared to the installed app (share target),
 * waits for the user before taking over from an older version, and sends the outbox by Background
 * Sync where the browser has it.
 */
import { clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { CacheFirst } from 'workbox-strategies';
import { createApi } from '$lib/api/client';
import { openPawlensDB } from '$lib/db';
import { MODEL_CACHE, isImmutableModelUrl } from '$lib/model-store/urls';
import { Outbox, OUTBOX_CHANNEL, SYNC_TAG } from '$lib/outbox/outbox';
import { loadSettings } from '$lib/settings';
import { receiveShare, SHARE_ACTION, SHARE_PARAM } from '$lib/share';
import { bundledSchemas as schemas } from '$lib/api/bundled-schemas';

const api = createApi(schemas);

declare const self: ServiceWorkerGlobalScope;

// Before Workbox's routes: a share is a POST, answered here with no network at all.
self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method === 'POST' && url.origin === self.location.origin && url.pathname === SHARE_ACTION) event.respondWith(receiveShare(event.request));
});

// `?shared` (a photo waits) still gets the precached page.
precacheAndRoute(self.__WB_MANIFEST, { ignoreURLParametersMatching: [/^utm_/, /^fbclid$/, new RegExp(`^${SHARE_PARAM}$`)] });
cleanupOutdatedCaches();
// Pages not prerendered (and deep links opened offline) get the SPA fallback from the precache.
registerRoute(new NavigationRoute(createHandlerBoundToURL('/200.html'), { denylist: [/^\/api\//] }));
registerRoute(({ url, request }) => request.method === 'GET' && url.origin === self.location.origin && isImmutableModelUrl(url), new CacheFirst({ cacheName: MODEL_CACHE }));

// The first install controls open pages at once; later versions wait for "reload to update".
clientsClaim();
self.addEventListener('message', (event) => {
  if ((event.data as { type?: string } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});

interface SyncEvent extends ExtendableEvent {
  readonly tag: string;
}

self.addEventListener('sync', (event) => {
  const e = event as SyncEvent;
  if (e.tag !== SYNC_TAG) return;
  e.waitUntil(
    (async () => {
      const db = await openPawlensDB();
      const channel = new BroadcastChannel(OUTBOX_CHANNEL);
      const outbox = new Outbox({
        db,
        schemas,
        send: api.send,
        upload: api.uploadPhoto,
        enabled: async () => (await loadSettings(db)).sharing,
        photos: async () => (await loadSettings(db)).photos,
        onChange: () => channel.postMessage('changed')
      });
      const result = await outbox.flush();
      channel.close();
      // Rejecting tells the browser to retry this sync later, with its own backoff.
      if (!result.ok && result.error) throw result.error;
    })()
  );
});
