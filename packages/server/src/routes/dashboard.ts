import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';

/** The dashboard's static files, shipped in the package's `public` folder (no build step). */
const PUBLIC_DIR = join(__dirname, '..', '..', 'public');
const FILES: Record<string, string> = { '/': 'index.html', '/dashboard.js': 'dashboard.js', '/dashboard.css': 'dashboard.css' };
const TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };

/** GET / and its assets. */
export function dashboardRoutes(app: FastifyInstance): void {
  for (const [url, file] of Object.entries(FILES)) {
    const body = readFileSync(join(PUBLIC_DIR, file));
    const type = TYPES[file.split('.').pop()!]!;
    app.get(url, { schema: { hide: true } }, async (_req, reply) => reply.type(type).send(body));
  }
}
