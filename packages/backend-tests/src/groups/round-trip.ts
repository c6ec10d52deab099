import assert from 'node:assert/strict';
import type { Message } from '@wrkr/core/backend';
import { assertBetween, assertSameMessage } from '../assertions';
import { mustClaim } from '../consume';
import { message, uniqueId } from '../fixtures';
import { defineGroup } from '../suite';

const NESTED_BODY = JSON.stringify({
  user: { id: 42, name: 'Zoë', roles: ['admin', 'ops'], address: { city: 'Amsterdam', zip: null } },
  flags: [true, false],
  ratio: 0.1 + 0.2,
  big: Number.MAX_SAFE_INTEGER,
  empty: { list: [], object: {} },
  escapes: 'quote " backslash \\ newline \n tab \t',
});

const UNICODE = 'héllo wörld — 日本語テキスト — עברית — 🚀👩‍👩‍👧‍👦 — e\u0301 — \u2028\u2029 — \u{1F600}';

function fullMessage(): Message {
  return message('ourapp.user.added', {
    id: uniqueId('given-id'),
    tid: 'user-42',
    headers: { 'x-correlation-id': 'c-1', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', owner: 'team ✓', 'x-empty': '' },
    body: NESTED_BODY,
    publishedAt: 1_700_000_000_123,
  });
}

/** 1. Every field of a message survives publish/send and claim unchanged. */
export const roundTripTests = defineGroup('1. round-trip of every field', ({ h, timing, test }) => {
  const wait = { timeoutMs: timing.patienceMs };

  test('every field (given id, name, tid, headers, nested JSON body, publishedAt) round-trips through publish', [], async () => {
    const b = await h.client();
    await b.bind('rt', 'ourapp.user.added');
    const sent = fullMessage();
    await b.publish([{ message: sent }]);
    const d = await mustClaim(b, 'rt', wait);
    assertSameMessage(d.message, sent);
    assert.equal((JSON.parse(d.message.body!) as { user: { name: string } }).user.name, 'Zoë');
  });

  test('every field round-trips through send', [], async () => {
    const b = await h.client();
    const sent = fullMessage();
    await b.send('rt', [{ message: sent }]);
    assertSameMessage((await mustClaim(b, 'rt', wait)).message, sent);
  });

  test('a message without tid, headers or body arrives without them', [], async () => {
    const b = await h.client();
    const sent: Message = { id: uniqueId(), name: 'bare.event', publishedAt: Date.now() };
    await b.send('rt', [{ message: sent }]);
    const got = (await mustClaim(b, 'rt', wait)).message;
    assertSameMessage(got, sent);
  });

  test('unicode in body, headers and tid round-trips byte for byte', [], async () => {
    const b = await h.client();
    const sent = message('i18n.text', { tid: `tid ${UNICODE}`, headers: { note: UNICODE }, body: JSON.stringify({ text: UNICODE }) });
    await b.send('rt', [{ message: sent }]);
    const got = (await mustClaim(b, 'rt', wait)).message;
    assertSameMessage(got, sent);
    assert.equal(Buffer.byteLength(got.body!), Buffer.byteLength(sent.body!));
  });

  test('a 1 MiB body round-trips unchanged', [], async () => {
    const b = await h.client();
    await b.bind('rt', 'big.#');
    const chunk = 'abcdefghijklmnopqrstuvwxyz0123456789-é-日-';
    const body = JSON.stringify({ blob: chunk.repeat(Math.ceil((1 << 20) / chunk.length)) }).slice(0, 1 << 20);
    const sent = message('big.payload', { body });
    await b.publish([{ message: sent }]);
    const got = (await mustClaim(b, 'rt', wait)).message;
    assert.equal(got.body?.length, body.length, 'body length');
    assert.ok(got.body === body, '1 MiB body changed in transit');
  });

  test('a delivery names its queue, has a token, attempt 1 and a lease ending leaseMs from the claim', [], async () => {
    const b = await h.client();
    const sent = message('lease.info');
    await b.send('rt', [{ message: sent }]);
    const before = Date.now();
    const [d] = await b.claim('rt', { max: 1, leaseMs: 5_000, waitMs: timing.patienceMs });
    const after = Date.now();
    assert.ok(d, 'no delivery');
    assert.equal(d.queue, 'rt');
    assert.equal(typeof d.token, 'string');
    assert.ok(d.token.length > 0, 'empty token');
    assert.equal(d.attempt, 1);
    assertBetween(d.leaseUntil, before + 5_000 - timing.dueToleranceMs, after + 5_000 + timing.dueToleranceMs, 'leaseUntil');
  });
});
