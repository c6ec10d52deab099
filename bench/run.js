#!/usr/bin/env node
// `npm run bench [-- memory|redis|rabbitmq|mongodb|steering|lifecycle|redis-keys|mongodb-keys|all]`: each backend's
// benchmark, wrkr beside the reference it is measured against in the same run, and what the v2 features
// cost (steering: pause, abort, progress and job lookups, keepCompleted, queue limits and fair groups against plain claim+ack;
// lifecycle: jobs with lifecycle events on, and watched, against the capability masked off;
// *-keys: keyed sends against plain ones). Not part of the tests.
'use strict';
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const benches = {
  memory: path.join(__dirname, 'memory.js'),
  redis: path.join(__dirname, '..', 'packages', 'backend-redis', 'bench', 'run.js'),
  rabbitmq: path.join(__dirname, '..', 'packages', 'backend-rabbitmq', 'bench', 'run.js'),
  mongodb: path.join(__dirname, '..', 'packages', 'backend-mongodb', 'bench', 'run.js'),
  steering: path.join(__dirname, 'steering.js'),
  lifecycle: path.join(__dirname, 'lifecycle.js'),
  'redis-keys': path.join(__dirname, '..', 'packages', 'backend-redis', 'bench', 'keys.js'),
  'mongodb-keys': path.join(__dirname, '..', 'packages', 'backend-mongodb', 'bench', 'keys.js'),
};
const wanted = process.argv[2] ?? 'memory';
const names = wanted === 'all' ? Object.keys(benches) : [wanted];
let status = 0;
for (const name of names) {
  const file = benches[name];
  if (!file) {
    process.stderr.write(`unknown bench ${JSON.stringify(name)}; choose one of ${Object.keys(benches).join(', ')}, all\n`);
    process.exit(2);
  }
  process.stdout.write(`\n== bench: ${name}\n`);
  const r = spawnSync(process.execPath, ['--expose-gc', file, ...process.argv.slice(3)], { stdio: 'inherit' });
  if (r.status !== 0) status = r.status ?? 1;
}
spawnSync(process.execPath, [path.join(__dirname, 'chart.js')], { stdio: 'inherit' });
process.exit(status);
