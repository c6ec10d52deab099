import { MemoryBackend } from '@wrkr/backend-memory';
import { Wrkr, ValidationError } from '@wrkr/core';
import { createServer, listen, type AuthOptions } from '../src';

let wrkr: Wrkr;
beforeAll(async () => {
  wrkr = new Wrkr({ backend: new MemoryBackend(), worker: false });
  await wrkr.start();
});
afterAll(() => wrkr.stop({ timeout: 0 }));

test.each([
  [{ token: '' }, 'auth.token'],
  [{ token: '   ' }, 'auth.token'],
  [{ basic: { user: '', password: '' } }, 'auth.basic.user'],
  [{ basic: { user: 'ops', password: '' } }, 'auth.basic.password'],
  [{ basic: { user: 'a:b', password: 'c' } }, 'auth.basic.user'],
  [{ token: 'ok', basic: { user: 'ops' } as AuthOptions['basic'] }, 'auth.basic.password'],
])('createServer refuses %j with a ValidationError on %s', async (auth, field) => {
  const err = await createServer({ wrkr, auth: auth as AuthOptions }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ValidationError);
  expect((err as ValidationError).field).toBe(field);
});

test('listen refuses empty credentials on every host, and trusts only what the app enforces', async () => {
  const open = await createServer({ wrkr });
  try {
    await expect(listen(open, { host: '0.0.0.0', port: 0, auth: { token: '' } })).rejects.toMatchObject({ field: 'auth.token' });
    await expect(listen(open, { host: '127.0.0.1', port: 0, auth: { basic: { user: 'u', password: '' } } })).rejects.toMatchObject({ field: 'auth.basic.password' });
    // Credentials handed to listen but not to createServer would leave the API open: refused.
    await expect(listen(open, { host: '0.0.0.0', port: 0, auth: { token: 'only-here' } })).rejects.toThrow(/refusing to listen on 0\.0\.0\.0 without auth/);
  } finally {
    await open.close();
  }
});

test('the README pattern with an empty WRKR_TOKEN never opens the API', async () => {
  const env: Record<string, string | undefined> = { WRKR_TOKEN: '' };
  await expect(createServer({ wrkr, auth: { token: env.WRKR_TOKEN } as AuthOptions })).rejects.toThrow(ValidationError);
  // Unset, the server is open and listen keeps it on loopback.
  const app = await createServer({ wrkr, auth: { token: env.UNSET } as AuthOptions });
  try {
    await expect(listen(app, { host: '0.0.0.0', port: 0 })).rejects.toThrow(/without auth/);
  } finally {
    await app.close();
  }
});

test('a bearer header with nothing after it is refused', async () => {
  const app = await createServer({ wrkr, auth: { token: 's3cret' } });
  try {
    const url = `${await listen(app, { host: '127.0.0.1', port: 0 })}/api/queues`;
    for (const authorization of ['Bearer', 'Bearer ', 'Bearer  s3cret', 'bearer', 'Basic ']) {
      expect((await fetch(url, { headers: { authorization } })).status).toBe(401);
    }
    expect((await fetch(url, { headers: { authorization: 'Bearer s3cret' } })).status).toBe(200);
  } finally {
    await app.close();
  }
});
