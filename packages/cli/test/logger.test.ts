import { loadConfig } from '../src/config';
import { resolveLogFormat } from '../src/logger';
import { prettyLine } from '../src/pretty-line';

test('logs are pretty on a terminal and JSON elsewhere unless a format is forced', () => {
  expect(resolveLogFormat(undefined, { isTTY: true })).toBe('pretty');
  expect(resolveLogFormat(undefined, { isTTY: false })).toBe('json');
  expect(resolveLogFormat(undefined, {})).toBe('json');
  expect(resolveLogFormat('json', { isTTY: true })).toBe('json');
  expect(resolveLogFormat('pretty', {})).toBe('pretty');
});

test('--log-format, WRKR_LOG_FORMAT and config.logFormat take pretty or json only', () => {
  expect(loadConfig({ 'log-format': 'pretty' }, {}).logFormat).toBe('pretty');
  expect(loadConfig({}, { WRKR_LOG_FORMAT: 'json' }).logFormat).toBe('json');
  expect(loadConfig({}, {}).logFormat).toBeUndefined();
  expect(() => loadConfig({ 'log-format': 'xml' }, {})).toThrow('--log-format: must be one of pretty, json');
});

test('a pretty line holds the message, each field as key=value and the error with its first frame', () => {
  const plain = { colors: new Proxy({}, { get: () => (s: string) => s }) } as Parameters<typeof prettyLine>[3];
  const err = { type: 'Error', message: 'smtp "down"', stack: 'Error: smtp "down"\n    at send (/app/mail.js:3:9)\n    at run (/app/x.js:1:1)' };
  const line = prettyLine({ level: 40, time: 1, msg: 'handler failed', lib: 'wrkr', queue: 'mail', note: 'two words', tags: ['a'], err }, 'msg', 'WARN', plain);
  expect(line).toBe('handler failed queue=mail note="two words" tags=["a"] err="Error: smtp \\"down\\"" at=send (/app/mail.js:3:9)');
  expect(prettyLine({ msg: 'retry', dueAt: Date.UTC(2026, 11, 2, 9, 0, 0, 5), attempt: 2 }, 'msg', 'WARN', plain)).toBe('retry dueAt=2026-12-02T09:00:00.005Z attempt=2');
});
