import type { Writable } from 'node:stream';

/** Where a command writes: replaceable so commands can run inside tests or other programs. */
export interface CommandIo {
  /** Results. */
  readonly stdout: Pick<Writable, 'write'>;
  /** Errors and usage. */
  readonly stderr: Pick<Writable, 'write'>;
  /** Environment read for `WRKR_*` settings. */
  readonly env: NodeJS.ProcessEnv;
  /** Directory relative paths are resolved against. */
  readonly cwd: string;
}

/** Print a result: one line of JSON with `--json`, the human form otherwise. */
export function emit(io: CommandIo, json: boolean | undefined, value: unknown, human: () => string): void {
  io.stdout.write(json ? `${JSON.stringify(value)}\n` : `${human()}\n`);
}

/** Left-aligned columns with a header row. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
