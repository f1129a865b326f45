/**
 * Photos that reach Pawlens from outside the page. Share target: the installed app receives a
 * multipart POST to SHARE_ACTION, which the service worker takes (so it works offline too), keeps the
 * image in Cache Storage and answers with a redirect to the page, which then picks it up once. File
 * handler: the browser hands the page the opened files through `launchQueue`.
 */

/** Where the share target posts (manifest `share_target.action`), and the form field holding the image. */
export const SHARE_ACTION = '/share';
export const SHARE_FIELD = 'photo';
/** The page's URL parameter saying a shared photo waits. */
export const SHARE_PARAM = 'shared';
const SHARE_CACHE = 'pawlens-share';
const SHARED_PHOTO = '/shared-photo';

/** In the service worker: keeps the shared image and sends the browser on to the page. */
export async function receiveShare(request: Request): Promise<Response> {
  const form = await request.formData().catch(() => null);
  const file = form?.getAll(SHARE_FIELD).find((v): v is File => typeof v !== 'string');
  if (file) {
    const headers = { 'content-type': file.type || 'application/octet-stream', 'x-file-name': encodeURIComponent(file.name || 'shared photo') };
    await (await caches.open(SHARE_CACHE)).put(SHARED_PHOTO, new Response(file, { headers }));
  }
  return Response.redirect(`/?${SHARE_PARAM}=1`, 303);
}

/** In the page: the photo the share target left, taken once (null without one). */
export async function takeSharedPhoto(url: URL): Promise<File | null> {
  if (!url.searchParams.has(SHARE_PARAM)) return null;
  const cache = await caches.open(SHARE_CACHE);
  const res = await cache.match(SHARED_PHOTO);
  if (!res) return null;
  await cache.delete(SHARED_PHOTO);
  const name = decodeURIComponent(res.headers.get('x-file-name') ?? 'shared%20photo');
  return new File([await res.blob()], name, { type: res.headers.get('content-type') ?? '' });
}

interface LaunchParams {
  files: readonly FileSystemFileHandle[];
}
type LaunchQueue = { setConsumer(consumer: (params: LaunchParams) => void): void };

/** In the page: calls `take` with each image the app is opened with as a file handler (where the browser has it). */
export function watchLaunchedFiles(take: (file: File) => void): void {
  const queue = (window as { launchQueue?: LaunchQueue }).launchQueue;
  queue?.setConsumer(async ({ files }) => {
    if (files[0]) take(await files[0].getFile());
  });
}
