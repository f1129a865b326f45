/**
 * Retakes docs/screenshot.png: the classify page after one picture, in headless Chromium at desktop
 * size, served by wrangler dev from build/web (run `npx vite build` first): `npx tsx docs/screenshot.ts`.
 * The picture is the app's own icon: the dataset photos may not be redistributed (see their SOURCE.md).
 */
import { join } from 'node:path';
import { classify, launchPersistent, startStack, waitReady } from '../tests/e2e/harness.ts';

const stack = await startStack();
const browser = await launchPersistent({ viewport: { width: 1100, height: 800 } });
try {
  await browser.page.goto(stack.server.url);
  await waitReady(browser.page);
  await classify(browser.page, join(import.meta.dirname, '../web/static/icons/icon-512.png'));
  await browser.page.screenshot({ path: join(import.meta.dirname, 'screenshot.png') });
} finally {
  await browser.close();
  await stack.close();
}
