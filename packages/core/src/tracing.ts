import type * as Otel from '@opentelemetry/api';
import type { Delivery, Message, Outgoing } from './contract';
import type { Headers } from './event';

/** W3C trace-context header carrying the publisher's span to every consumer. */
export const TRACEPARENT_HEADER = 'traceparent';
/** W3C vendor trace state, carried beside `traceparent`. */
export const TRACESTATE_HEADER = 'tracestate';

// An optional peer: without it installed wrkr traces nothing and loads nothing.
const api: typeof Otel | undefined = (() => {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('@opentelemetry/api') as typeof Otel;
  } catch {
    return undefined;
  }
})();
const NOOP_PROVIDER = api === undefined ? undefined : new api.ProxyTracerProvider().getDelegate();
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The tracer, or undefined while no tracer provider is registered (then tracing costs one check). */
function tracer(): Otel.Tracer | undefined {
  if (api === undefined) return undefined;
  const provider = api.trace.getTracerProvider();
  const delegate = provider instanceof api.ProxyTracerProvider ? provider.getDelegate() : provider;
  return delegate === NOOP_PROVIDER ? undefined : api.trace.getTracer('wrkr');
}

// wrkr writes W3C headers itself so traces cross processes whatever propagator the app registered.
function inject(span: Otel.Span, headers: Headers | undefined): Headers {
  const sc = span.spanContext();
  const out: Headers = { ...headers, [TRACEPARENT_HEADER]: `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}` };
  const state = sc.traceState?.serialize();
  if (state) out[TRACESTATE_HEADER] = state;
  else delete out[TRACESTATE_HEADER];
  return out;
}

function extract(headers: Readonly<Headers> | undefined): Otel.SpanContext | undefined {
  const m = headers?.[TRACEPARENT_HEADER] === undefined ? null : TRACEPARENT.exec(headers[TRACEPARENT_HEADER]);
  if (api === undefined || m === null) return undefined;
  const state = headers?.[TRACESTATE_HEADER];
  const sc: Otel.SpanContext = {
    traceId: m[1]!,
    spanId: m[2]!,
    traceFlags: parseInt(m[3]!, 16),
    isRemote: true,
    ...(state ? { traceState: api.createTraceState(state) } : {}),
  };
  return api.trace.isSpanContextValid(sc) ? sc : undefined;
}

function common(backend: string, destination: string | undefined, operation: string, type: string): Otel.Attributes {
  return {
    'messaging.system': 'wrkr',
    'wrkr.backend': backend,
    'messaging.operation.name': operation,
    'messaging.operation.type': type,
    ...(destination !== undefined ? { 'messaging.destination.name': destination } : {}),
  };
}

function recordError(span: Otel.Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: api!.SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}

/**
 * Write `items` under one producer span per message, their headers carrying its context. `destination`
 * is the queue of a send; a publish names its event instead, routing deciding the queues.
 */
export async function traceProduce<T>(backend: string, operation: 'publish' | 'send', queue: string | undefined, items: Outgoing[], write: (items: Outgoing[]) => Promise<T>): Promise<T> {
  const t = tracer();
  if (t === undefined) return write(items);
  const spans = items.map((o) =>
    t.startSpan(`${operation} ${queue ?? o.message.name}`, {
      kind: api!.SpanKind.PRODUCER,
      attributes: { ...common(backend, queue ?? o.message.name, operation, 'send'), 'messaging.message.id': o.message.id, 'wrkr.event.name': o.message.name },
    }),
  );
  const traced = items.map((o, i) => ({ ...o, message: { ...o.message, headers: inject(spans[i]!, o.message.headers) } }));
  try {
    return await write(traced);
  } catch (err) {
    for (const s of spans) recordError(s, err);
    throw err;
  } finally {
    for (const s of spans) s.end();
  }
}

/**
 * Fire a scheduled occurrence under a producer span of its own trace (a schedule runs for months; one
 * trace would never end), linked to the context the schedule was created in. `fire` says whether this
 * process won the occurrence.
 */
export async function traceOccurrence(backend: string, message: Message, fire: (message: Message) => Promise<boolean>): Promise<boolean> {
  const t = tracer();
  const origin = extract(message.headers);
  if (t === undefined) {
    if (origin === undefined) return fire(message);
    // Tracing was on when the schedule was made: without a span of its own the occurrence must not join that old trace.
    const headers = { ...message.headers };
    delete headers[TRACEPARENT_HEADER];
    delete headers[TRACESTATE_HEADER];
    return fire({ ...message, headers });
  }
  const span = t.startSpan(`publish ${message.name}`, {
    kind: api!.SpanKind.PRODUCER,
    root: true,
    links: origin !== undefined ? [{ context: origin }] : [],
    attributes: { ...common(backend, message.name, 'publish', 'send'), 'messaging.message.id': message.id, 'wrkr.event.name': message.name },
  });
  try {
    const fired = await fire({ ...message, headers: inject(span, message.headers) });
    span.setAttribute('wrkr.schedule.fired', fired);
    return fired;
  } catch (err) {
    recordError(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/** Headers of a schedule's template: the active context, so each occurrence's trace links to it. */
export function traceScheduleOrigin(headers: Headers | undefined): Headers | undefined {
  if (tracer() === undefined) return headers;
  const span = api!.trace.getActiveSpan();
  return span === undefined ? headers : inject(span, headers);
}

/** Marks a delivery's span failed; a no-op while tracing is off. */
export type MarkFailed = (err: unknown) => void;
const NO_MARK: MarkFailed = () => undefined;

/** One delivery's processing, run by traceConsume. */
export interface ConsumeRun {
  /** Process the delivery; `mark` marks its span failed. */
  process(mark: MarkFailed): Promise<void>;
}

/**
 * Run one delivery under a consumer span, child of the publisher's span carried in its headers, so the
 * handler's own spans join the publisher's trace. Every queue's copy of one publish is a child of it.
 */
export function traceConsume(backend: string, queue: string, d: Delivery, run: ConsumeRun): Promise<void> {
  const t = tracer();
  if (t === undefined) return run.process(NO_MARK);
  const parent = extract(d.message.headers);
  const parentCtx = parent === undefined ? api!.ROOT_CONTEXT : api!.trace.setSpanContext(api!.ROOT_CONTEXT, parent);
  const span = t.startSpan(
    `process ${queue}`,
    {
      kind: api!.SpanKind.CONSUMER,
      attributes: { ...common(backend, queue, 'process', 'process'), 'messaging.message.id': d.message.id, 'wrkr.event.name': d.message.name, 'wrkr.attempt': d.attempt },
    },
    parentCtx,
  );
  const mark: MarkFailed = (err) => recordError(span, err);
  return api!.context.with(api!.trace.setSpan(parentCtx, span), () => run.process(mark)).finally(() => span.end());
}
