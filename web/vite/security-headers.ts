/**
 * Writes `_headers` (Workers static assets) into the built app: the security headers of
 * edge/src/security-headers.ts on every page and asset, with a CSP that allows SvelteKit's inline
 * start-up scripts by their sha256 (they differ per page), so no 'unsafe-inline' is needed.
 * Runs after SvelteKit's adapter has written the pages.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin, ResolvedConfig } from 'vite';
import { appHeaders } from '../../edge/src/security-headers.ts';

/** 'sha256-…' of every inline `<script>` (one without src) in the given HTML. */
export function inlineScriptHashes(html: string): string[] {
  const hashes: string[] = [];
  for (const m of html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)) {
    if (m[1]!.trim()) hashes.push(`sha256-${createHash('sha256').update(m[1]!, 'utf8').digest('base64')}`);
  }
  return hashes;
}

function htmlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.html'))
    .map((e) => join(e.parentPath, e.name));
}

/** The `_headers` file for an output folder. */
export function headersFile(outDir: string): string {
  const hashes = [...new Set(htmlFiles(outDir).flatMap((f) => inlineScriptHashes(readFileSync(f, 'utf8'))))].sort();
  const lines = Object.entries(appHeaders(hashes)).map(([k, v]) => `  ${k}: ${v}`);
  return `# Written by web/vite/security-headers.ts at build time.\n/*\n${lines.join('\n')}\n`;
}

export function securityHeaders(outDir: string): Plugin {
  let config: ResolvedConfig;
  return {
    name: 'pawlens:security-headers',
    apply: 'build',
    configResolved: (c) => void (config = c),
    closeBundle: {
      sequential: true,
      order: 'post',
      handler() {
        // SvelteKit's adapter writes the pages when the server build closes.
        if (!config.build.ssr) return;
        writeFileSync(join(outDir, '_headers'), headersFile(outDir));
      }
    }
  };
}
