/**
 * Renders the app icons from the SVG sources into web/static/icons (committed; rerun after editing
 * an SVG): `npx tsx web/icons/render.ts`.
 */
import { copyFileSync } from 'node:fs';
import { resolve } from 'node:path';
import sharp from 'sharp';

const here = import.meta.dirname;
const out = resolve(here, '../static/icons');
const jobs = [
  { src: 'paw.svg', name: 'icon-192.png', size: 192 },
  { src: 'paw.svg', name: 'icon-512.png', size: 512 },
  { src: 'maskable.svg', name: 'maskable-512.png', size: 512 },
  { src: 'maskable.svg', name: 'apple-touch-icon.png', size: 180 }
];
for (const j of jobs) {
  await sharp(resolve(here, j.src), { density: 300 }).resize(j.size, j.size).png({ compressionLevel: 9, palette: true }).toFile(resolve(out, j.name));
}
copyFileSync(resolve(here, 'paw.svg'), resolve(out, 'favicon.svg'));
console.log(`icons written to ${out}`);
