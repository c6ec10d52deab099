import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import type { FastifyInstance } from 'fastify';

/** The dashboard's static files, shipped in the package's `public` folder (plain ES modules, no build step). */
const PUBLIC_DIR = join(__dirname, '..', '..', 'public');
/** uPlot's browser build, served from the installed package: the dashboard needs no network at run time. */
const UPLOT_DIR = dirname(require.resolve('uplot/dist/uPlot.esm.js'));
const VENDOR: Record<string, string> = { '/vendor/uPlot.esm.js': join(UPLOT_DIR, 'uPlot.esm.js'), '/vendor/uPlot.min.css': join(UPLOT_DIR, 'uPlot.min.css') };
const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

/** Every URL the dashboard serves, mapped to its file: `/` is index.html, `/favicon.ico` the SVG icon (browsers ask for it unprompted). */
function dashboardFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const path of filesUnder(PUBLIC_DIR)) {
    const url = '/' + relative(PUBLIC_DIR, path).split(sep).join('/');
    files.set(url === '/index.html' ? '/' : url, path);
  }
  files.set('/favicon.ico', join(PUBLIC_DIR, 'favicon.svg'));
  for (const [url, path] of Object.entries(VENDOR)) files.set(url, path);
  return files;
}

/** URLs of the dashboard, reachable without credentials (the page asks for them before calling the API). */
export const DASHBOARD_PATHS: ReadonlySet<string> = new Set(dashboardFiles().keys());

/** GET / and its assets. */
export function dashboardRoutes(app: FastifyInstance): void {
  for (const [url, path] of dashboardFiles()) {
    const body = readFileSync(path);
    const type = TYPES[path.split('.').pop()!] ?? 'application/octet-stream';
    app.get(url, { schema: { hide: true } }, async (_req, reply) => reply.type(type).header('cache-control', 'no-cache').send(body));
  }
}
