import { isWrkrError } from '../src/errors';
import type { defaultBackend as DefaultBackend } from '../src/default-backend';

/** defaultBackend() loaded afresh with `@wrkr/backend-memory` replaced by a module whose loading throws `err`. */
function loadWith(err: Error): typeof DefaultBackend {
  let fn: typeof DefaultBackend | undefined;
  jest.isolateModules(() => {
    jest.doMock('@wrkr/backend-memory', () => {
      throw err;
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    fn = (require('../src/default-backend') as { defaultBackend: typeof DefaultBackend }).defaultBackend;
  });
  return fn!;
}

const notFound = (name: string) => Object.assign(new Error(`Cannot find module '${name}'\nRequire stack:\n- /app/x.js`), { code: 'MODULE_NOT_FOUND' });

afterEach(() => jest.dontMock('@wrkr/backend-memory'));

describe('defaultBackend()', () => {
  it('is a MemoryBackend when the package is installed', () => {
    expect(jest.requireActual<typeof import('../src/default-backend')>('../src/default-backend').defaultBackend().name).toBe('memory');
  });

  it('says "not installed" when @wrkr/backend-memory itself cannot be found', () => {
    const missing = notFound('@wrkr/backend-memory');
    expect(() => loadWith(missing)()).toThrow(expect.objectContaining({ code: 'ERR_WRKR_NOT_SUPPORTED', message: expect.stringContaining('npm install @wrkr/backend-memory') }) as Error);
  });

  it('rethrows a module missing inside the package as itself', () => {
    const inner = notFound('some-dependency');
    let thrown: unknown;
    try {
      loadWith(inner)();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBe(inner);
    expect(isWrkrError(thrown)).toBe(false);
  });

  it('rethrows any other failure of loading the package as itself', () => {
    const broken = new SyntaxError('Unexpected token');
    expect(() => loadWith(broken)()).toThrow(broken);
  });
});
