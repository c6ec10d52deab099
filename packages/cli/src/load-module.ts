import { execFileSync } from 'node:child_process';
import { ValidationError } from '@wrkr/core';

/**
 * `require` a user's module (task, chain step, JS config); when it cannot be loaded, throw a
 * ValidationError naming `field` and, for a syntax error, the file, line and offending source line.
 */
export function loadModule(file: string, field: string, what: string): unknown {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(file);
  } catch (err) {
    const syntax = err instanceof SyntaxError ? syntaxError(err, file) : undefined;
    if (syntax) throw new ValidationError(syntax.where, `cannot load ${what}: ${syntax.error}\n${syntax.excerpt}`);
    const message = err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
    throw new ValidationError(field, `cannot load ${what}: ${message}`);
  }
}

interface SyntaxErrorReport {
  /** `file:line`. */
  readonly where: string;
  /** `SyntaxError: …`. */
  readonly error: string;
  /** The source line and the caret under the offending token, indented. */
  readonly excerpt: string;
}

function syntaxError(err: SyntaxError, file: string): SyntaxErrorReport | undefined {
  // CommonJS errors arrive decorated ("file:line\nsource\n   ^\n\nSyntaxError: …"); ES modules loaded
  // through require do not, so `node --check` parses the file again to say where.
  return parseDecorated(err.stack ?? '') ?? parseDecorated(checkOutput(file));
}

function parseDecorated(text: string): SyntaxErrorReport | undefined {
  const m = /^(\S.*:\d+)\n([\s\S]*?)\n\n([A-Za-z]*Error: [^\n]*)/.exec(text);
  return m ? { where: m[1]!, error: m[3]!, excerpt: m[2]!.split('\n').map((l) => `  ${l}`).join('\n') } : undefined;
}

function checkOutput(file: string): string {
  try {
    execFileSync(process.execPath, ['--check', file], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
    return '';
  } catch (err) {
    return String((err as { stderr?: Buffer }).stderr ?? '');
  }
}
