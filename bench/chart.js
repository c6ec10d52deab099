#!/usr/bin/env node
'use strict';
/**
 * Render `bench/results/chart.svg` from the newest result file of each backend in `bench/results/`:
 * one panel per backend, one row of bars per scenario, wrkr beside each peer measured in the same run,
 * each row scaled to its own largest value (the figures are printed on the bars, with the unit). A
 * plain SVG, so the README shows it on GitHub without a build step. `node bench/chart.js` (npm run bench
 * runs it after the benches).
 */
const fs = require('node:fs');
const path = require('node:path');
const { RESULTS_DIR } = require('./results');

const COLORS = { wrkr: '#2563eb' };
const PEER_COLORS = ['#9ca3af', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6'];
const ORDER = ['memory', 'redis', 'rabbitmq', 'mongodb'];

function newestPerBackend(dir) {
  const newest = new Map();
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    const m = /^(\d{4}-\d{2}-\d{2})-(.+)\.json$/.exec(f);
    if (!m) continue;
    const [, date, backend] = m;
    if (!newest.has(backend) || newest.get(backend).date < date) newest.set(backend, { date, file: path.join(dir, f) });
  }
  return [...newest.entries()]
    .sort(([a], [b]) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99))
    .map(([backend, { date, file }]) => ({ backend, date, ...JSON.parse(fs.readFileSync(file, 'utf8')) }));
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (v) => (v >= 100 ? Math.round(v).toLocaleString('en-US') : String(Math.round(v * 100) / 100));

function render(runs) {
  const width = 900;
  const labelW = 300;
  const barMax = width - labelW - 230;
  const barH = 14;
  const out = [];
  let y = 30;
  const colorOf = new Map(Object.entries(COLORS));
  const color = (system) => {
    if (!colorOf.has(system)) colorOf.set(system, PEER_COLORS[(colorOf.size - 1) % PEER_COLORS.length]);
    return colorOf.get(system);
  };
  out.push(`<text x="10" y="20" font-size="15" font-weight="bold">wrkr beside its peers, measured in the same run (npm run bench)</text>`);
  for (const run of runs) {
    y += 14;
    out.push(`<text x="10" y="${y + 12}" font-size="14" font-weight="bold">${esc(run.backend)}</text>`);
    out.push(`<text x="${labelW}" y="${y + 12}" font-size="11" fill="#555">${esc(run.date)} · ${esc(run.machine?.cpus ?? '?')} cores · node ${esc(run.machine?.node ?? '?')}</text>`);
    y += 22;
    for (const s of run.scenarios) {
      const start = y;
      const entries = Object.entries(s.values);
      const max = Math.max(...entries.map(([, v]) => v), 1e-9);
      out.push(`<text x="10" y="${y + 11}" font-size="12">${esc(s.scenario)}</text>`);
      out.push(`<text x="10" y="${y + 25}" font-size="10" fill="#666">${esc(s.unit)}, ${s.better} is better</text>`);
      // The target on a line of its own: the label column is narrow and some targets name three peers.
      if (s.target) out.push(`<text x="10" y="${y + 38}" font-size="10" fill="#666">target ${esc(s.target)}</text>`);
      for (const [system, v] of entries) {
        const w = Math.max(1, Math.round((v / max) * barMax));
        out.push(`<rect x="${labelW}" y="${y}" width="${w}" height="${barH}" fill="${color(system)}" rx="2"/>`);
        out.push(`<text x="${labelW + w + 6}" y="${y + 11}" font-size="11">${esc(system)} ${esc(num(v))}</text>`);
        y += barH + 3;
      }
      y = Math.max(y, start + (s.target ? 44 : 30)) + 12;
    }
  }
  const height = y + 10;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif">\n<rect width="100%" height="100%" fill="#fff"/>\n${out.join('\n')}\n</svg>\n`;
}

if (require.main === module) {
  const runs = newestPerBackend(RESULTS_DIR);
  if (runs.length === 0) {
    process.stdout.write(`chart: no results in ${RESULTS_DIR} yet\n`);
  } else {
    const file = path.join(RESULTS_DIR, 'chart.svg');
    fs.writeFileSync(file, render(runs));
    process.stdout.write(`chart: ${path.relative(process.cwd(), file)} (${runs.map((r) => `${r.backend} ${r.date}`).join(', ')})\n`);
  }
}

module.exports = { render, newestPerBackend };
