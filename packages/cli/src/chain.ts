import { ValidationError, type Handler, type Logger, type SubscribeOptions, type WrkrEvent, type Wrkr } from '@wrkr/core';
import { assertEventName, assertId, assertKnownKeys, assertQueueName, isPlainObject } from '@wrkr/core/backend';
import { resolve } from 'node:path';
import { loadModule } from './load-module';

/** Header (value `true`) or `data.simulate: true` marking an event whose chain steps are skipped; it is carried to the follow-up event. */
export const SIMULATE_HEADER = 'simulate';

/** What a chain step receives beside the previous step's result. */
export interface StepContext {
  /** The event that started the chain. */
  readonly event: WrkrEvent;
  /** Logger bound to the chain, event and step. */
  readonly log: Logger;
  /** Aborts on shutdown timeout, lease loss or job timeout. */
  readonly signal: AbortSignal;
}

/** A chain step: gets the previous result (the event's data for the first step) and returns the next. */
export type StepFunction = (input: unknown, ctx: StepContext) => unknown;

/** A processing chain from the config file: consume a queue, run the steps in order, publish a follow-up event. */
export interface ChainConfig {
  /** Chain name (logs). */
  readonly name: string;
  /** Queue consumed. */
  readonly queue: string;
  /** Patterns bound to the queue. */
  readonly patterns: string[];
  /** Steps, each a module (path relative to the config file) and the name of a function it exports. */
  readonly steps: Array<{ module: string; fn: string }>;
  /** Name of the event published with the last step's result (none: nothing is published). */
  readonly publish?: string;
  /** Subscription options (concurrency, retry, timeout, visibilityTimeout). */
  readonly options?: SubscribeOptions;
}

const CHAIN_KEYS = ['name', 'queue', 'patterns', 'steps', 'publish', 'options'];

/** Validate `config.chains`, resolving step modules against `baseDir`. */
export function readChains(value: unknown, baseDir: string): ChainConfig[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ValidationError('config.chains', 'must be an array');
  return value.map((c: unknown, i) => {
    const field = `config.chains[${i}]`;
    assertKnownKeys(c, CHAIN_KEYS, field);
    if (!isPlainObject(c)) throw new ValidationError(field, 'must be an object');
    assertId(c.name, `${field}.name`);
    assertQueueName(c.queue, `${field}.queue`);
    const patterns = c.patterns === undefined ? [] : c.patterns;
    if (!Array.isArray(patterns) || !patterns.every((p) => typeof p === 'string')) throw new ValidationError(`${field}.patterns`, 'must be an array of patterns');
    if (!Array.isArray(c.steps) || c.steps.length === 0) throw new ValidationError(`${field}.steps`, 'must be a non-empty array of { module, fn }');
    const steps = c.steps.map((s: unknown, j) => {
      const sf = `${field}.steps[${j}]`;
      assertKnownKeys(s, ['module', 'fn'], sf);
      if (!isPlainObject(s) || typeof s.module !== 'string' || s.module === '') throw new ValidationError(`${sf}.module`, 'must be a module path');
      if (typeof s.fn !== 'string' || s.fn === '') throw new ValidationError(`${sf}.fn`, 'must name an exported function');
      return { module: s.module.startsWith('.') ? resolve(baseDir, s.module) : s.module, fn: s.fn };
    });
    if (c.publish !== undefined) assertEventName(c.publish, `${field}.publish`);
    if (c.options !== undefined && !isPlainObject(c.options)) throw new ValidationError(`${field}.options`, 'must be an object');
    return {
      name: c.name,
      queue: c.queue,
      patterns,
      steps,
      ...(c.publish !== undefined ? { publish: c.publish } : {}),
      ...(c.options !== undefined ? { options: c.options } : {}),
    };
  });
}

/** True when the event asks for a dry run. */
export function isSimulated(event: WrkrEvent): boolean {
  return event.headers[SIMULATE_HEADER] === 'true' || (isPlainObject(event.data) && event.data.simulate === true);
}

/**
 * The handler of a chain: each step gets the previous result; a throwing step fails the job (normal
 * retry and failed-store path); a simulated event skips the steps and passes its data on unchanged.
 */
export function chainHandler(wrkr: Wrkr, chain: ChainConfig): Handler {
  const steps = chain.steps.map((s, i) => {
    const mod = loadModule(s.module, `chains.${chain.name}.steps[${i}].module`, s.module) as Record<string, unknown>;
    const fn = mod[s.fn];
    if (typeof fn !== 'function') throw new ValidationError(`chains.${chain.name}.steps[${i}].fn`, `${s.module} does not export a function ${s.fn}`);
    return { name: s.fn, fn: fn as StepFunction };
  });
  return async (event, ctx) => {
    const simulate = isSimulated(event);
    let value: unknown = event.data;
    if (simulate) ctx.log.info({ chain: chain.name }, 'simulated: steps skipped');
    else {
      for (const step of steps) {
        value = await step.fn(value, { event, log: ctx.log.child({ chain: chain.name, step: step.name }), signal: ctx.signal });
      }
    }
    if (chain.publish !== undefined) {
      await wrkr.publish({
        name: chain.publish,
        ...(event.tid !== undefined ? { tid: event.tid } : {}),
        ...(value !== undefined ? { data: value } : {}),
        ...(simulate ? { headers: { [SIMULATE_HEADER]: 'true' } } : {}),
      });
    }
    return value;
  };
}
