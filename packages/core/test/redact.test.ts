import pino from 'pino';
import { Writable } from 'node:stream';
import { LOG_REDACT_PATHS, maskUrl } from '../src/redact';

describe('maskUrl', () => {
  it.each([
    ['redis://:s3cret@127.0.0.1:6379/0', 'redis://:***@127.0.0.1:6379/0'],
    ['amqp://guest:guest@host:5672/vh', 'amqp://guest:***@host:5672/vh'],
    ['redsi://:pass@127.0.0.1:6379', 'redsi://:***@127.0.0.1:6379'],
    ['mongodb://u:p@ss@h1:27017,h2:27017/db?authSource=admin&password=x', 'mongodb://u:***@h1:27017,h2:27017/db'],
    ['redis://127.0.0.1:6379?namespace=a&token=t', 'redis://127.0.0.1:6379'],
    ['mongodb+srv://user@cluster.example/db#frag', 'mongodb+srv://user@cluster.example/db'],
    ['memory://', 'memory://'],
  ])('masks %s', (raw, masked) => expect(maskUrl(raw)).toBe(masked));

  it('masks every URL inside a longer message and leaves the rest alone', () => {
    const text = 'cannot reach "redis://:a@h:1" nor amqp://u:b@h:2/?x=1 either, giving up';
    expect(maskUrl(text)).toBe('cannot reach "redis://:***@h:1" nor amqp://u:***@h:2/ either, giving up');
  });
});

describe('LOG_REDACT_PATHS', () => {
  it('keeps a failed Redis login, authorization headers and passwords out of pino lines', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const log = pino({ redact: { paths: [...LOG_REDACT_PATHS], censor: '[redacted]' } }, sink);
    const err = Object.assign(new Error('WRONGPASS'), { command: { name: 'hello', args: ['3', 'AUTH', 'default', 'hunter2'] } });
    log.warn({ err }, 'redis connection error');
    log.info({ req: { headers: { authorization: 'Bearer hunter2' } }, options: { password: 'hunter2' } }, 'x');
    expect(lines.join('')).not.toContain('hunter2');
    expect(lines.join('')).toContain('"name":"hello"');
  });
});
