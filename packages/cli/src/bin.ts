#!/usr/bin/env node
import { main } from './main';

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }).then(
  // Exit explicitly: a backend socket or timer left behind must not keep a finished command alive.
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`wrkr: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
