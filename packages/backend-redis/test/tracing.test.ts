import { context, trace, SpanKind } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Wrkr } from '@wrkr/core';
import { RedisBackend } from '../src';
import { destroyNamespace, REDIS_URL, sleep, uniqueNamespace } from './helpers';

// Two Wrkr instances on two Redis connections stand for a publishing and a consuming process: the
// trace context can only cross between them in the stored event's headers.
describe('tracing across processes on redis', () => {
  const exporter = new InMemorySpanExporter();
  const namespace = uniqueNamespace();
  const started: Wrkr[] = [];
  const make = async (): Promise<Wrkr> => {
    const w = new Wrkr({ backend: new RedisBackend({ url: REDIS_URL, namespace }), worker: false, scheduler: false });
    await w.start();
    started.push(w);
    return w;
  };
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  });
  afterAll(async () => {
    await Promise.all(started.map((w) => w.stop({ timeout: 500 })));
    await destroyNamespace(namespace);
    trace.disable();
    context.disable();
  });
  const named = (name: string): ReadableSpan[] => exporter.getFinishedSpans().filter((s) => s.name === name);

  it("makes the consumer's delivery a child of the publisher's span, and the handler's spans its children", async () => {
    const publisher = await make();
    const consumer = await make();
    await consumer.subscribe('orders', 'order.*', () => trace.getTracer('app').startSpan('charge card').end());
    const { id } = await publisher.publish({ name: 'order.placed', data: { total: 3 } });
    for (let i = 0; i < 400 && named('process orders').length === 0; i++) await sleep(10);

    const [producer] = named('publish order.placed');
    const [delivery] = named('process orders');
    const [work] = named('charge card');
    expect(producer!.kind).toBe(SpanKind.PRODUCER);
    expect(delivery!.kind).toBe(SpanKind.CONSUMER);
    expect(delivery!.spanContext().traceId).toBe(producer!.spanContext().traceId);
    expect(delivery!.parentSpanContext).toMatchObject({ spanId: producer!.spanContext().spanId, isRemote: true });
    expect(work!.parentSpanContext?.spanId).toBe(delivery!.spanContext().spanId);
    expect(delivery!.attributes).toMatchObject({
      'messaging.system': 'wrkr',
      'wrkr.backend': 'redis',
      'messaging.destination.name': 'orders',
      'messaging.operation.type': 'process',
      'messaging.message.id': id,
      'wrkr.attempt': 1,
    });
  });
});
