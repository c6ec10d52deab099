import { randomBytes } from 'node:crypto';
import { Codec } from '../src/codec';
import { CryptoError, PayloadTooLargeError, ValidationError } from '../src/errors';
import { eventually, memoryWrkrs } from './harness';

describe('Codec', () => {
  it('round-trips JSON without encryption', () => {
    const c = new Codec();
    const data = { a: [1, 'ü', null], b: { c: true } };
    const body = c.encode(data, 'x.y');
    expect(body).toBe(JSON.stringify(data));
    expect(c.decode(body, 'x.y')).toEqual(data);
    expect(c.encode(undefined, 'x')).toBeUndefined();
  });

  it('refuses payloads over the limit with PayloadTooLargeError', () => {
    expect(() => new Codec(100).encode('x'.repeat(200), 'a')).toThrow(PayloadTooLargeError);
  });

  describe('AES-256-GCM', () => {
    const k1 = randomBytes(32);
    const k2 = randomBytes(32).toString('base64');
    const k3 = randomBytes(32).toString('hex');
    const codec = new Codec(undefined, { keys: { k1, k2, k3 }, currentKey: 'k1', ownerKeys: { acme: 'k3' } });

    it('encrypts with the current key and decrypts', () => {
      const body = codec.encode({ secret: 42 }, 'a.b')!;
      expect(body.startsWith('enc:v1:k1:')).toBe(true);
      expect(body).not.toContain('secret');
      expect(codec.decode(body, 'a.b')).toEqual({ secret: 42 });
    });

    it('uses the owner key when the owner has one', () => {
      expect(codec.encode('x', 'a', 'acme')!.startsWith('enc:v1:k3:')).toBe(true);
      expect(codec.encode('x', 'a', 'other')!.startsWith('enc:v1:k1:')).toBe(true);
    });

    it('still decrypts old items after the current key rotates', () => {
      const body = codec.encode('old', 'a')!;
      const rotated = new Codec(undefined, { keys: { k1, k2 }, currentKey: 'k2' });
      expect(rotated.decode(body, 'a')).toBe('old');
      expect(rotated.encode('new', 'a')!.startsWith('enc:v1:k2:')).toBe(true);
    });

    it('refuses tampering, a wrong event name and unknown keys', () => {
      const body = codec.encode({ v: 1 }, 'a')!;
      const tampered = body.slice(0, -4) + (body.endsWith('AAAA') ? 'BBBB' : 'AAAA');
      expect(() => codec.decode(tampered, 'a')).toThrow(CryptoError);
      expect(() => codec.decode(body, 'b')).toThrow(CryptoError);
      expect(() => new Codec(undefined, { keys: { k2 }, currentKey: 'k2' }).decode(body, 'a')).toThrow(/unknown key id/);
      expect(() => new Codec().decode(body, 'a')).toThrow(CryptoError);
    });

    it('owners named like Object.prototype members use the current key instead of throwing a TypeError', () => {
      for (const owner of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
        const body = codec.encode({ v: owner }, 'a', owner)!;
        expect(body.startsWith('enc:v1:k1:')).toBe(true);
        expect(codec.decode(body, 'a')).toEqual({ v: owner });
      }
    });

    it('refuses a plaintext body with CryptoError, unless allowPlaintext is set for a migration', () => {
      expect(() => codec.decode('{"planted":true}', 'a')).toThrow(/payload is not encrypted/);
      const migrating = new Codec(undefined, { keys: { k1 }, currentKey: 'k1', allowPlaintext: true });
      expect(migrating.decode('{"old":true}', 'a')).toEqual({ old: true });
      expect(migrating.encode('new', 'a')!.startsWith('enc:v1:k1:')).toBe(true);
      expect(() => new Codec(undefined, { keys: { k1 }, currentKey: 'k1', allowPlaintext: 'yes' as unknown as boolean })).toThrow(ValidationError);
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
    expect(raw!.message.body).toMatch(/^enc:v1:k1:/);
    expect(raw!.message.body).not.toContain('4111');
    await w.backend.nack({ queue: 'secret', id: raw!.message.id, token: raw!.token }, { kind: 'release' });
    const item = await w.fetch('secret');
    expect(item!.event.data).toEqual({ card: '4111' });
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
