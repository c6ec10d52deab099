import { context, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { WrkrEvent } from '../src';
import { eventually, memoryWrkrs } from './harness';

const wrkrs = memoryWrkrs();

describe('tracing without a tracer provider', () => {
  it('adds no trace headers and no spans', async () => {
    const a = await wrkrs.make();
    const b = await wrkrs.make();
    const seen: WrkrEvent[] = [];
    await b.subscribe('q', 'app.#', (e) => void seen.push(e));
    await a.publish({ name: 'app.x', headers: { k: 'v' } });
    await eventually(() => seen.length === 1);
    expect(seen[0]!.headers).toEqual({ k: 'v' });
  });
});

describe('tracing with a tracer provider', () => {
  const exporter = new InMemorySpanExporter();
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  });
  afterAll(() => {
    trace.disable();
    context.disable();
  });
  afterEach(() => exporter.reset());
  const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
  const named = (name: string): ReadableSpan[] => spans().filter((s) => s.name === name);

  it("makes each queue's delivery of one publish a child of its producer span, and the handler's spans children of the delivery", async () => {
    const a = await wrkrs.make();
    const b = await wrkrs.make();
    const tracer = trace.getTracer('app');
    const handler = (): void => tracer.startSpan('handler work').end();
    await b.subscribe('emails', 'user.*', handler);
    await b.subscribe('audit', 'user.#', handler);
    const { id } = await a.publish({ name: 'user.added', data: { n: 1 } });
    // A delivery's span ends once its item is settled, after the handler's.
    await eventually(() => named('process emails').length + named('process audit').length === 2);

    const [producer] = named('publish user.added');
    expect(producer!.kind).toBe(SpanKind.PRODUCER);
    expect(producer!.attributes).toMatchObject({
      'messaging.system': 'wrkr',
      'wrkr.backend': 'memory',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'publish',
      'messaging.destination.name': 'user.added',
      'messaging.message.id': id,
    });
    for (const queue of ['emails', 'audit']) {
      const [consumer] = named(`process ${queue}`);
      expect(consumer!.kind).toBe(SpanKind.CONSUMER);
      expect(consumer!.spanContext().traceId).toBe(producer!.spanContext().traceId);
      expect(consumer!.parentSpanContext?.spanId).toBe(producer!.spanContext().spanId);
      expect(consumer!.attributes).toMatchObject({
        'messaging.system': 'wrkr',
        'wrkr.backend': 'memory',
        'messaging.destination.name': queue,
        'messaging.operation.type': 'process',
        'messaging.message.id': id,
        'wrkr.attempt': 1,
      });
      const work = named('handler work').filter((s) => s.parentSpanContext?.spanId === consumer!.spanContext().spanId);
      expect(work).toHaveLength(1);
    }
  });

  it("continues the caller's trace: a publish inside an active span is its child", async () => {
    const a = await wrkrs.make();
    const tracer = trace.getTracer('app');
    await tracer.startActiveSpan('request handler', async (outer) => {
      await a.send('direct', { name: 'job.run' });
      outer.end();
    });
    const [outer] = named('request handler');
    const [producer] = named('send direct');
    expect(producer!.parentSpanContext?.spanId).toBe(outer!.spanContext().spanId);
    expect(producer!.attributes).toMatchObject({ 'messaging.destination.name': 'direct', 'messaging.operation.name': 'send' });
  });

  it('marks failed attempts as errors and counts the attempt', async () => {
    const a = await wrkrs.make();
    const b = await wrkrs.make();
    await b.subscribe('flaky', 'job.*', (_e, ctx) => {
      if (ctx.attempt === 1) throw new Error('first try fails');
    }, { retry: { attempts: 2, delay: 1, backoff: 'fixed' } });
    await a.publish({ name: 'job.x' });
    await eventually(() => named('process flaky').length === 2);
    const [first, second] = named('process flaky').sort((x, y) => Number(x.attributes['wrkr.attempt']) - Number(y.attributes['wrkr.attempt']));
    expect(first!.attributes['wrkr.attempt']).toBe(1);
    expect(first!.status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'first try fails' });
    expect(second!.attributes['wrkr.attempt']).toBe(2);
    expect(second!.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(second!.parentSpanContext?.spanId).toBe(first!.parentSpanContext?.spanId);
  });

  it('traces a request and its responder in one trace', async () => {
    const a = await wrkrs.make();
    const b = await wrkrs.make();
    await b.respond('adder', 'math.add', (e) => (e.data as number) + 1);
    await expect(a.request('math.add', 1, { timeout: '5s' })).resolves.toBe(2);
    await eventually(() => named('process adder').length === 1);
    const [producer] = named('publish math.add');
    const [consumer] = named('process adder');
    expect(consumer!.parentSpanContext?.spanId).toBe(producer!.spanContext().spanId);
  });

  it('starts a new trace per scheduled occurrence, linked to where the schedule was made', async () => {
    const a = await wrkrs.make({ scheduler: { poll: 50 } });
    const seen: WrkrEvent[] = [];
    await a.subscribe('ticks', 'clock.tick', (e) => void seen.push(e));
    const tracer = trace.getTracer('app');
    await tracer.startActiveSpan('setup', async (setup) => {
      await a.schedule('tick', { every: '1s' }, { name: 'clock.tick' });
      setup.end();
    });
    await eventually(() => named('process ticks').length >= 1, 5000);
    const [setup] = named('setup');
    const [occurrence] = named('publish clock.tick');
    expect(occurrence!.parentSpanContext).toBeUndefined();
    expect(occurrence!.spanContext().traceId).not.toBe(setup!.spanContext().traceId);
    expect(occurrence!.links.map((l) => l.context.spanId)).toEqual([setup!.spanContext().spanId]);
    expect(occurrence!.attributes['wrkr.schedule.fired']).toBe(true);
    const [consumer] = named('process ticks');
    expect(consumer!.parentSpanContext?.spanId).toBe(occurrence!.spanContext().spanId);
  });
});
