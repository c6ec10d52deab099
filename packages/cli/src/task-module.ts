import { readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { loadModule } from './load-module';
import { ValidationError, type Handler, type Logger, type SubscribeOptions, type Wrkr } from '@wrkr/core';
import { isPlainObject } from '@wrkr/core/backend';

/** What `setup(wrkr, task)` receives: the task's identity, its logger and the worker's defaults. */
export interface TaskInfo {
  /** Task name (the module's `name`, else its file name). */
  readonly name: string;
  /** Absolute path of the module. */
  readonly file: string;
  /** Logger bound to the task. */
  readonly log: Logger;
  /** The worker's default concurrency, if one was configured. */
  readonly concurrency?: number;
}

/** A task module that declares what it consumes; the worker subscribes it. */
export interface DeclaredTask {
  /** Queue consumed. */
  readonly queue: string;
  /** Patterns bound to the queue (none or null: direct sends only). */
  readonly patterns?: string | string[] | null;
  /** Subscription options (concurrency, visibilityTimeout, retry, timeout). */
  readonly options?: SubscribeOptions;
  /** Runs each job. */
  readonly handler: Handler;
  /** Display name (default: the file name). */
  readonly name?: string;
  /** What the task does. */
  readonly description?: string;
  /** Fields of `event.data` added to every log line of a job. */
  readonly logFields?: string[];
}

/** A task module that sets itself up with the worker's Wrkr instance. */
export interface SetupTask {
  /** Subscribes (or does anything else) on start. */
  readonly setup: (wrkr: Wrkr, task: TaskInfo) => void | Promise<void>;
  /** Display name (default: the file name). */
  readonly name?: string;
  /** What the task does. */
  readonly description?: string;
}

/** A loaded task module and where it came from. */
export type LoadedTask = { readonly file: string; readonly name: string } & ({ readonly kind: 'declared'; readonly task: DeclaredTask } | { readonly kind: 'setup'; readonly task: SetupTask });

const MODULE_EXTENSIONS = ['.js', '.cjs', '.mjs'];
const DECLARED_KEYS = ['queue', 'patterns', 'options', 'handler', 'name', 'description', 'logFields'];

/** The module files of `paths`: files as given, directories' `.js/.cjs/.mjs` files (not recursive, sorted). */
export function taskFiles(paths: string[]): string[] {
  const files: string[] = [];
  for (const path of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      throw new ValidationError('paths', `${path} does not exist`);
    }
    if (!isDir) {
      files.push(path);
      continue;
    }
    for (const entry of readdirSync(path).sort()) {
      if (MODULE_EXTENSIONS.includes(extname(entry)) && !entry.startsWith('.')) files.push(join(path, entry));
    }
  }
  return files;
}

/** Load and validate one task module. */
export function loadTask(file: string): LoadedTask {
  const mod = loadModule(file, file, 'task module');
  const m = (mod as { default?: unknown }).default ?? mod;
  const fallbackName = basename(file, extname(file));
  if (typeof m === 'function') return { file, name: fallbackName, kind: 'setup', task: { setup: m as SetupTask['setup'] } };
  if (typeof m !== 'object' || m === null) throw new ValidationError(file, 'a task module must export an object or a setup function');
  const t = { ...(m as Record<string, unknown>) };
  delete t.__esModule;
  if (typeof t.name !== 'undefined' && typeof t.name !== 'string') throw new ValidationError(`${file}: name`, 'must be a string');
  const name = t.name ?? fallbackName;
  if (typeof t.setup === 'function') return { file, name, kind: 'setup', task: t as unknown as SetupTask };
  if (!isPlainObject(t)) throw new ValidationError(file, 'must export a plain object');
  for (const key of Object.keys(t)) {
    if (!DECLARED_KEYS.includes(key)) throw new ValidationError(`${file}: ${key}`, `unknown export (allowed: ${DECLARED_KEYS.join(', ')}, or setup)`);
  }
  if (typeof t.queue !== 'string') throw new ValidationError(`${file}: queue`, 'is required (the queue this task consumes), or export setup(wrkr, task)');
  if (typeof t.handler !== 'function') throw new ValidationError(`${file}: handler`, 'must be a function (event, ctx) => result');
  if (t.logFields !== undefined && (!Array.isArray(t.logFields) || !t.logFields.every((f) => typeof f === 'string'))) {
    throw new ValidationError(`${file}: logFields`, 'must be an array of field names');
  }
  return { file, name, kind: 'declared', task: t as unknown as DeclaredTask };
}
