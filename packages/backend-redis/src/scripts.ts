import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster, Redis } from 'ioredis';

/** Every Lua script of the backend, by file name (without `.lua`). */
export type ScriptName =
  | 'publish' | 'send' | 'claim' | 'ack' | 'nack' | 'extend' | 'cancel' | 'stats'
  | 'bind' | 'unbind' | 'bindings' | 'delete_queue' | 'failed' | 'replay' | 'purge_failed'
  | 'fire_schedule' | 'register_worker' | 'unregister_worker' | 'workers'
  | 'pause' | 'resume' | 'abort' | 'abort_requests' | 'set_progress' | 'progress'
  | 'job' | 'jobs' | 'pending' | 'held_by' | 'lifecycle' | 'set_limits';

const INCLUDE = /^--@include (\w+)\s*$/gm;

// Built code runs from dist/ (scripts copied next to it by the build); tests run the sources.
function scriptsDir(): string {
  for (const dir of [join(__dirname, 'scripts'), join(__dirname, '..', 'src', 'scripts')]) {
    if (existsSync(join(dir, 'claim.lua'))) return dir;
  }
  throw new Error(`Lua scripts not found next to ${__dirname}`);
}

let cache: Map<string, string> | undefined;

/** Script sources with their `--@include` lines expanded; read from disk once per process. */
export function scriptSources(): ReadonlyMap<string, string> {
  if (cache) return cache;
  const dir = scriptsDir();
  const lib = (name: string): string => readFileSync(join(dir, 'lib', `${name}.lua`), 'utf8');
  cache = new Map();
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.lua')) continue;
    const src = readFileSync(join(dir, file), 'utf8').replace(INCLUDE, (_, name: string) => lib(name));
    cache.set(file.slice(0, -4), src);
  }
  return cache;
}

/** Name under which a script is defined on an ioredis client; prefixed so a shared client stays tidy. */
export function commandName(script: ScriptName): string {
  return `wrkr_${script}`;
}

/** Define every script as an ioredis command (EVALSHA, falling back to EVAL after a script flush). */
export function defineScripts(client: Redis | Cluster): void {
  for (const [name, lua] of scriptSources()) {
    const command = commandName(name as ScriptName);
    if (typeof (client as unknown as Record<string, unknown>)[command] === 'function') continue;
    client.defineCommand(command, { numberOfKeys: 1, lua });
  }
}

/** Run a defined script; `key` is any key of the namespace (it routes the call to the right Cluster slot). */
export function runScript(client: Redis | Cluster, script: ScriptName, key: string, args: ReadonlyArray<string | number>): Promise<unknown> {
  const fn = (client as unknown as Record<string, (...a: Array<string | number>) => Promise<unknown>>)[commandName(script)];
  if (!fn) throw new Error(`script ${script} is not defined on this client`);
  return fn.call(client, key, ...args);
}
