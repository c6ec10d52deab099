import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

// The two entries of the built package (dist, as published), loaded and type-checked the way apps do;
// node16 also checks the declaration files themselves (skipLibCheck false).
const run = promisify(execFile);
const CORE = join(__dirname, '..');
const TSC = join(CORE, '..', '..', 'node_modules', '.bin', 'tsc');

/** What `@wrkr/core` exports at run time: the user API only. */
const USER = [
  'AbortedError', 'BackendError', 'ClosedError', 'CryptoError', 'DuplicateWorkerError', 'LOG_REDACT_PATHS', 'MAX_DURATION_MS', 'MAX_JSON_DEPTH', 'NotFoundError', 'NotStartedError', 'NotSupportedError',
  'PayloadTooLargeError', 'RemoteError', 'StaleLeaseError', 'TimeoutError', 'ValidationError', 'Wrkr', 'WrkrError', 'isWrkrError',
  'maskUrl', 'parseDuration', 'parseScheduleRule',
];
/** What `@wrkr/core/backend` exports at run time: the implementor API. */
const BACKEND = [
  'ALL_CAPABILITIES', 'BACKEND_CONTRACT_VERSION', 'BackendError', 'BaseBackend', 'ClosedError', 'DEFAULT_JOBS_PAGE', 'MAX_JOBS_PAGE', 'MAX_LIMIT', 'MAX_PRIORITY', 'MAX_RATE_WINDOW_MS', 'NotStartedError', 'NotSupportedError', 'ValidationError',
  'WakeTickets', 'WrkrError', 'assertEventName', 'assertHeaders', 'assertId', 'assertInt', 'assertKnownKeys', 'assertPattern',
  'assertQueueName', 'isPlainObject', 'isWrkrError', 'maskUrl', 'matchPattern', 'silentLogger',
];

// Type-level checks every resolution must pass: each entry's names resolve, and neither leaks the other's.
const TYPES = `
import { Wrkr, isWrkrError, type LeaseRef, type PulledItem, type WrkrOptions } from '@wrkr/core';
import { BaseBackend, BACKEND_CONTRACT_VERSION, WakeTickets, matchPattern, type Outgoing, type NackOutcome } from '@wrkr/core/backend';
// @ts-expect-error implementor names are not part of the user entry
import type { Outgoing as NotInUserEntry } from '@wrkr/core';
// @ts-expect-error internal helpers are exported from neither entry
import type { Codec } from '@wrkr/core/backend';
export type Used = [Wrkr, LeaseRef, PulledItem, WrkrOptions, BaseBackend, WakeTickets, Outgoing, NackOutcome, NotInUserEntry, Codec];
export const values = [isWrkrError, BACKEND_CONTRACT_VERSION, matchPattern];
`;
const LIST = (load: string) => `${load}
process.stdout.write(JSON.stringify({ user: Object.keys(user).filter((k) => k !== 'default' && k !== '__esModule').sort(), backend: Object.keys(backend).filter((k) => k !== 'default' && k !== '__esModule').sort() }));
`;

async function tsc(dir: string, options: Record<string, unknown>, files: string[]): Promise<void> {
  const project = `tsconfig.${String(options.moduleResolution)}.json`;
  const config = { compilerOptions: { target: 'ES2022', strict: true, types: ['node'], skipLibCheck: true, ...options }, files };
  await writeFile(join(dir, project), JSON.stringify(config));
  try {
    await run(TSC, ['-p', project], { cwd: dir });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`tsc with moduleResolution ${String(options.moduleResolution)} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

async function exports(dir: string, file: string): Promise<unknown> {
  const { stdout } = await run(process.execPath, [file], { cwd: dir });
  return JSON.parse(stdout);
}

describe('the two entry points of @wrkr/core, as built', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wrkr-entries-'));
    await mkdir(join(dir, 'node_modules', '@wrkr'), { recursive: true });
    await symlink(CORE, join(dir, 'node_modules', '@wrkr', 'core'), 'dir');
    await mkdir(join(dir, 'node_modules', '@types'), { recursive: true });
    await symlink(join(CORE, '..', '..', 'node_modules', '@types', 'node'), join(dir, 'node_modules', '@types', 'node'), 'dir');
    await writeFile(join(dir, 'types.ts'), TYPES);
    await writeFile(join(dir, 'app.mts'), LIST("import * as user from '@wrkr/core';\nimport * as backend from '@wrkr/core/backend';"));
    await writeFile(join(dir, 'app.cts'), LIST("import * as user from '@wrkr/core';\nimport * as backend from '@wrkr/core/backend';"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('type-check under moduleResolution node16 and load from ESM and from CommonJS with the expected names only', async () => {
    await tsc(dir, { module: 'node16', moduleResolution: 'node16', outDir: 'out', skipLibCheck: false }, ['types.ts', 'app.mts', 'app.cts']);
    expect(await exports(dir, 'out/app.mjs')).toEqual({ user: USER.sort(), backend: BACKEND.sort() });
    expect(await exports(dir, 'out/app.cjs')).toEqual({ user: USER.sort(), backend: BACKEND.sort() });
  }, 120_000);

  it('type-check under moduleResolution bundler', async () => {
    await tsc(dir, { module: 'preserve', moduleResolution: 'bundler', noEmit: true }, ['types.ts']);
  }, 120_000);

  it('type-check under the old node10 resolution, through typesVersions', async () => {
    await tsc(dir, { module: 'commonjs', moduleResolution: 'node10', ignoreDeprecations: '6.0', noEmit: true }, ['types.ts']);
  }, 120_000);
});
