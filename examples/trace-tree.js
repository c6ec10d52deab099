'use strict';
// Two Wrkr instances on one memory store: one publishes inside an HTTP-like request span, the other
// handles on two queues (one fails once, then succeeds). Prints the exported spans as a tree, the way a
// trace viewer shows them. Needs the OpenTelemetry SDK packages (devDependencies of @wrkr/core).
const { context, trace } = require('@opentelemetry/api');
const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { MemoryBackend, MemoryStore } = require('@wrkr/backend-memory');
const { Wrkr } = require('@wrkr/core');

const exporter = new InMemorySpanExporter();
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
const tracer = trace.getTracer('signup-app');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Print spans as an indented tree: name, kind, duration, the attributes a reader looks for. */
function printTree(spans) {
  const byParent = new Map();
  for (const s of spans) {
    const parent = s.parentSpanContext?.spanId ?? 'root';
    byParent.set(parent, [...(byParent.get(parent) ?? []), s]);
  }
  const kinds = ['internal', 'server', 'client', 'producer', 'consumer'];
  const ms = (s) => ((s.endTime[0] - s.startTime[0]) * 1e3 + (s.endTime[1] - s.startTime[1]) / 1e6).toFixed(1);
  const show = (s, depth) => {
    const a = s.attributes;
    const attrs = ['messaging.destination.name', 'wrkr.attempt'].filter((k) => a[k] !== undefined).map((k) => `${k}=${a[k]}`);
    const status = s.status.code === 2 ? ' ERROR' : '';
    process.stdout.write(`${'  '.repeat(depth)}${s.name} [${kinds[s.kind]}] ${ms(s)} ms${status}${attrs.length ? ` ${attrs.join(' ')}` : ''}\n`);
    for (const child of (byParent.get(s.spanContext().spanId) ?? []).sort((x, y) => x.startTime[1] - y.startTime[1] + (x.startTime[0] - y.startTime[0]) * 1e9)) show(child, depth + 1);
  };
  for (const s of byParent.get('root') ?? []) show(s, 0);
}

async function main() {
  const store = new MemoryStore();
  const api = new Wrkr({ backend: new MemoryBackend({ store }), worker: false });
  const worker = new Wrkr({ backend: new MemoryBackend({ store }), worker: false });
  await Promise.all([api.start(), worker.start()]);
  let failedOnce = false;
  await worker.subscribe('emails', 'ourapp.user.added', async () => {
    await tracer.startActiveSpan('smtp send', async (span) => {
      await sleep(5);
      span.end();
    });
  });
  await worker.subscribe(
    'crm',
    'ourapp.user.*',
    async () => {
      if (!failedOnce) {
        failedOnce = true;
        throw new Error('crm unavailable');
      }
    },
    { retry: { attempts: 2, delay: 20 } },
  );
  await tracer.startActiveSpan('POST /signup', async (span) => {
    await api.publish({ name: 'ourapp.user.added', data: { email: 'ada@example.com' } });
    span.end();
  });
  await sleep(300);
  await Promise.all([api.stop(), worker.stop()]);
  printTree(exporter.getFinishedSpans());
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
