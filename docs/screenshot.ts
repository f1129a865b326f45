/**
 * Retakes docs/screenshot.png: the classify page after one photo, in headless Chromium at desktop
 * size, served by wrangler dev from build/web (run `npx vite build` first): `npx tsx docs/screenshot.ts`.
 */
import { join } from 'node:path';
import { DATASETS } from '../tests/shared-data.ts';
import { classify, launchPersistent, startStack, waitReady } from '../tests/e2e/harness.ts';

const stack = await startStack();
const browser = await launchPersistent({ viewport: { width: 1100, height: 800 } });
try {
  await browser.page.goto(stack.server.url);
  await waitReady(browser.page);
  await classify(browser.page, join(DATASETS, 'smoke/dog/dog.4005.jpg'));
  await browser.page.screenshot({ path: join(import.meta.dirname, 'screenshot.png') });
} finally {
  await browser.close();
  await stack.close();
}
