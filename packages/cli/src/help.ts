import { COMMANDS, type CommandName, type FlagSpec } from './command-spec';

/** The overview `wrkr --help` prints: every command with its summary. */
export function overview(): string {
  const names = Object.keys(COMMANDS) as CommandName[];
  const width = Math.max(...names.map((n) => n.length));
  const lines = names.map((n) => `  ${n.padEnd(width)}  ${COMMANDS[n].summary}`);
  return `usage: wrkr <command> [options]

commands:
${lines.join('\n')}

wrkr <command> --help shows the options of one command; wrkr --version prints the version.
Settings also come from WRKR_* variables (each command's help names them) and the --config file.
`;
}

/** The help of one command: usage, every flag it accepts, examples. */
export function commandHelp(name: CommandName): string {
  const spec = COMMANDS[name];
  const flags = Object.entries(spec.flags).map(([flag, f]) => [flagLabel(flag, f), f.help] as const);
  const width = Math.max(...flags.map(([label]) => label.length));
  return `usage: wrkr ${name}${spec.args ? ` ${spec.args}` : ''} [options]

${spec.summary}${spec.operator ? '\n\nNeeds a backend: --backend, WRKR_BACKEND or "backend" in the --config file.' : ''}

options:
${flags.map(([label, help]) => `  ${label.padEnd(width)}  ${help}`).join('\n')}

example${spec.examples.length > 1 ? 's' : ''}:
${spec.examples.map((e) => `  wrkr ${e}`).join('\n')}
`;
}

function flagLabel(name: string, f: FlagSpec): string {
  const long = `--${name}${f.value !== undefined ? ` ${f.value}` : ''}`;
  return f.short !== undefined ? `-${f.short}, ${long}` : `    ${long}`;
}
