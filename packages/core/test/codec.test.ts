import { createCipheriv, randomBytes } from 'node:crypto';
import { Codec } from '../src/codec';
import { CryptoError, PayloadTooLargeError, ValidationError } from '../src/errors';
import { eventually, memoryWrkrs } from './harness';

/** The message fields a body is bound to: a fixed id, so tests can encode and decode the same event. */
const ev = (name: string, owner?: string) => ({ id: 'e1', name, ...(owner !== undefined ? { headers: { owner } } : {}) });

describe('Codec', () => {
  it('round-trips JSON without encryption', () => {
    const c = new Codec();
    const data = { a: [1, 'ü', null], b: { c: true } };
    const body = c.encode(data, ev('x.y'));
    expect(body).toBe(JSON.stringify(data));
    expect(c.decode(body, ev('x.y'))).toEqual(data);
    expect(c.encode(undefined, ev('x'))).toBeUndefined();
  });

  it('refuses payloads over the limit with PayloadTooLargeError', () => {
    expect(() => new Codec(100).encode('x'.repeat(200), ev('a'))).toThrow(PayloadTooLargeError);
  });

  describe('AES-256-GCM', () => {
    const k1 = randomBytes(32);
    const k2 = randomBytes(32).toString('base64');
    const k3 = randomBytes(32).toString('hex');
    const codec = new Codec(undefined, { keys: { k1, k2, k3 }, currentKey: 'k1', ownerKeys: { acme: 'k3' } });

    it('encrypts with the current key and decrypts', () => {
      const body = codec.encode({ secret: 42 }, ev('a.b'))!;
      expect(body.startsWith('enc:v2:k1:')).toBe(true);
      expect(body).not.toContain('secret');
      expect(codec.decode(body, ev('a.b'))).toEqual({ secret: 42 });
    });

    it('uses the owner key when the owner has one', () => {
      expect(codec.encode('x', ev('a', 'acme'))!.startsWith('enc:v2:k3:')).toBe(true);
      expect(codec.encode('x', ev('a', 'other'))!.startsWith('enc:v2:k1:')).toBe(true);
    });

    it('still decrypts old items after the current key rotates', () => {
      const body = codec.encode('old', ev('a'))!;
      const rotated = new Codec(undefined, { keys: { k1, k2 }, currentKey: 'k2' });
      expect(rotated.decode(body, ev('a'))).toBe('old');
      expect(rotated.encode('new', ev('a'))!.startsWith('enc:v2:k2:')).toBe(true);
    });

    it('refuses tampering, a wrong event name and unknown keys', () => {
      const body = codec.encode({ v: 1 }, ev('a'))!;
      const tampered = body.slice(0, -4) + (body.endsWith('AAAA') ? 'BBBB' : 'AAAA');
      expect(() => codec.decode(tampered, ev('a'))).toThrow(CryptoError);
      expect(() => codec.decode(body, ev('b'))).toThrow(CryptoError);
      expect(() => new Codec(undefined, { keys: { k2 }, currentKey: 'k2' }).decode(body, ev('a'))).toThrow(/unknown key id/);
      expect(() => new Codec().decode(body, ev('a'))).toThrow(CryptoError);
    });

    it('owners named like Object.prototype members use the current key instead of throwing a TypeError', () => {
      for (const owner of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
        const body = codec.encode({ v: owner }, ev('a', owner))!;
        expect(body.startsWith('enc:v2:k1:')).toBe(true);
        expect(codec.decode(body, ev('a', owner))).toEqual({ v: owner });
      }
    });

    it('refuses a plaintext body with CryptoError, unless allowPlaintext is set for a migration', () => {
      expect(() => codec.decode('{"planted":true}', ev('a'))).toThrow(/payload is not encrypted/);
      const migrating = new Codec(undefined, { keys: { k1 }, currentKey: 'k1', allowPlaintext: true });
      expect(migrating.decode('{"old":true}', ev('a'))).toEqual({ old: true });
      expect(migrating.encode('new', ev('a'))!.startsWith('enc:v2:k1:')).toBe(true);
      expect(() => new Codec(undefined, { keys: { k1 }, currentKey: 'k1', allowPlaintext: 'yes' as unknown as boolean })).toThrow(ValidationError);
    });

    it('binds the body to id, name, tid and headers: moved onto another event it does not decrypt', () => {
      const at = { id: 'e1', name: 'a.b', tid: 't1', headers: { owner: 'acme', 'x-h': '1', traceparent: '00-a-b-01' } };
      const body = codec.encode({ v: 1 }, at)!;
      expect(codec.decode(body, { ...at, headers: { ...at.headers, traceparent: '00-c-d-01', tracestate: 'x=1' } })).toEqual({ v: 1 });
      for (const moved of [{ ...at, id: 'e2' }, { ...at, name: 'a.c' }, { ...at, tid: 't2' }, { id: 'e1', name: 'a.b', headers: at.headers }, { ...at, headers: { ...at.headers, 'x-h': '2' } }, { ...at, headers: { owner: 'acme', traceparent: '00-a-b-01' } }]) {
        expect(() => codec.decode(body, moved)).toThrow(CryptoError);
      }
    });

    it('still decrypts a v1 body (name-only binding) of the previous version', () => {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', k1, iv);
      cipher.setAAD(Buffer.from('a.b'));
      const ct = Buffer.concat([cipher.update('{"old":1}', 'utf8'), cipher.final()]);
      const v1 = `enc:v1:k1:${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${ct.toString('base64')}`;
      expect(codec.decode(v1, { id: 'any', name: 'a.b' })).toEqual({ old: 1 });
      expect(() => codec.decode(v1, { id: 'any', name: 'a.c' })).toThrow(CryptoError);
    });

    it('validates keys', () => {
      expect(() => new Codec(undefined, { keys: { a: 'short' }, currentKey: 'a' })).toThrow(ValidationError);
      expect(() => new Codec(undefined, { keys: { k1 }, currentKey: 'nope' })).toThrow(ValidationError);
      expect(() => new Codec(undefined, { keys: { k1 }, currentKey: 'k1', ownerKeys: { o: 'nope' } })).toThrow(ValidationError);
    });
  });
});

describe('payload encryption through Wrkr', () => {
  const { make } = memoryWrkrs();

  it('encrypts payloads at rest and decrypts for handlers', async () => {
    const key = randomBytes(32);
    const w = await make({ encryption: { keys: { k1: key }, currentKey: 'k1' } });
    await w.send('secret', { name: 'x.secret', data: { card: '4111' } });
    const [raw] = await w.backend.claim('secret', { max: 1, leaseMs: 1000, waitMs: 0 });
    expect(raw!.message.body).toMatch(/^enc:v2:k1:/);
    expect(raw!.message.body).not.toContain('4111');
    await w.backend.nack({ queue: 'secret', id: raw!.message.id, token: raw!.token }, { kind: 'release' });
    const item = await w.fetch('secret');
    expect(item!.event.data).toEqual({ card: '4111' });
  });

  it('a ciphertext moved onto another event goes to the failed store; scheduled occurrences are re-bound and decrypt', async () => {
    const w = await make({ encryption: { keys: { k1: randomBytes(32) }, currentKey: 'k1' } });
    const seen: unknown[] = [];
    await w.subscribe('secret', 'x.#', (e) => {
      seen.push(e.data);
    });
    const { id } = await w.send('parked', { name: 'x.secret', data: { card: 'genuine' } });
    const [stolen] = await w.backend.claim('parked', { max: 1, leaseMs: 1000, waitMs: 0 });
    expect(stolen!.message.id).toBe(id);
    await w.backend.send('secret', [{ message: { ...stolen!.message, id: 'moved' } }]);
    await w.schedule('s', { every: '1 hour' }, { name: 'x.report', data: { n: 1 } });
    await w.trigger('s');
    await eventually(async () => (await w.failed('secret')).length === 1 && seen.length === 1);
    expect(seen).toEqual([{ n: 1 }]);
    expect((await w.failed('secret'))[0]).toMatchObject({ error: { code: 'ERR_WRKR_CRYPTO' } });
    expect((await w.schedules())[0]!.event.data).toEqual({ n: 1 });
  });

  it('a plaintext body planted in the store goes to the failed store with a CryptoError, never to the handler', async () => {
    const w = await make({ encryption: { keys: { k1: randomBytes(32) }, currentKey: 'k1' } });
    const seen: unknown[] = [];
    await w.subscribe('secret', null, (e) => {
      seen.push(e.data);
    });
    await w.backend.send('secret', [{ message: { id: 'planted', name: 'x.secret', body: '{"card":"forged"}', publishedAt: Date.now() } }]);
    await w.send('secret', { name: 'x.secret', data: { card: 'genuine' } });
    await eventually(async () => (await w.failed('secret')).length === 1 && seen.length === 1);
    expect(seen).toEqual([{ card: 'genuine' }]);
    const [failed] = await w.failed('secret');
    expect(failed).toMatchObject({ error: { code: 'ERR_WRKR_CRYPTO', message: expect.stringMatching(/not encrypted/) } });
  });
});
