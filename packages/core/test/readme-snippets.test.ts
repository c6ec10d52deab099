import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

/**
 * Every ```ts block of the READMEs compiles under `strict`, as a user would paste it: each block is its own
 * module, `@wrkr/*` resolves to the packages' sources, and the identifiers a snippet uses without defining
 * (a user's own `userId`, `sendMail`…) are declared in readme/prelude.d.ts.
 */
const ROOT = join(__dirname, '..', '..', '..');
const PRELUDE = join(__dirname, 'readme', 'prelude.d.ts');
/** Modules of the reader's own project that snippets import, and the declarations standing in for them. */
const USER_MODULES: Record<string, string> = { '../src': join(__dirname, 'readme', 'my-backend.d.ts'), '../src/my-backend': join(__dirname, 'readme', 'my-backend.d.ts') };

interface Snippet {
  readonly readme: string;
  readonly line: number;
  readonly file: string;
  readonly code: string;
}

function snippets(): Snippet[] {
  const readmes = ['README.md', ...readdirSync(join(ROOT, 'packages')).map((p) => join('packages', p, 'README.md'))].filter((p) => existsSync(join(ROOT, p)));
  const out: Snippet[] = [];
  for (const readme of readmes) {
    const lines = readFileSync(join(ROOT, readme), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (!/^```(ts|typescript)\s*$/.test(lines[i]!)) continue;
      const start = i + 1;
      while (i + 1 < lines.length && !/^```\s*$/.test(lines[i + 1]!)) i++;
      const code = lines.slice(start, i + 1).join('\n');
      i++;
      // Beside the README, so `node_modules` resolves as it would for the user's file.
      const file = join(ROOT, `${readme.replace(/[/\\]/g, '__')}.line${start}.snippet.ts`);
      out.push({ readme, line: start, file, code: `${code}\nexport {};\n` });
    }
  }
  return out;
}

const OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2022.d.ts'],
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  types: ['node', 'jest'],
  typeRoots: [join(ROOT, 'node_modules', '@types')],
  skipLibCheck: true,
  esModuleInterop: true,
  paths: sourcePaths(),
};

/** `@wrkr/x` → packages/x/src and `@wrkr/x/sub` → packages/x/src/sub, as jest.config.js maps them. */
function sourcePaths(): Record<string, string[]> {
  const paths: Record<string, string[]> = {};
  for (const dir of readdirSync(join(ROOT, 'packages'))) {
    paths[`@wrkr/${dir}`] = [join(ROOT, 'packages', dir, 'src')];
    paths[`@wrkr/${dir}/*`] = [join(ROOT, 'packages', dir, 'src', '*')];
  }
  return paths;
}

/** Diagnostics of `files` (virtual path → source) compiled together with the prelude, as `README.md:LINE: message`. */
function check(files: ReadonlyMap<string, Snippet>): string[] {
  const host = ts.createCompilerHost(OPTIONS);
  const read = host.readFile.bind(host);
  const getSource = host.getSourceFile.bind(host);
  host.fileExists = (f) => files.has(f) || ts.sys.fileExists(f);
  host.readFile = (f) => files.get(f)?.code ?? read(f);
  host.getSourceFile = (f, lang, ...rest) => {
    const s = files.get(f);
    return s ? ts.createSourceFile(f, s.code, lang) : getSource(f, lang, ...rest);
  };
  host.resolveModuleNameLiterals = (literals, containingFile, redirected, options) =>
    literals.map((literal) => {
      const stand = files.has(containingFile) ? USER_MODULES[literal.text] : undefined;
      if (stand !== undefined) return { resolvedModule: { resolvedFileName: stand, extension: ts.Extension.Dts } };
      return ts.resolveModuleName(literal.text, containingFile, options, host, undefined, redirected);
    });
  const program = ts.createProgram([PRELUDE, ...files.keys()], OPTIONS, host);
  // Only the snippets' own diagnostics: the packages' sources are tsc -b's to check, and skipping them is fast.
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...[PRELUDE, ...files.keys()].flatMap((f) => {
      const sf = program.getSourceFile(f)!;
      return [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
    }),
  ];
  return diagnostics.map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    const snippet = d.file && files.get(d.file.fileName);
    if (!snippet || d.start === undefined) return `${d.file ? relative(ROOT, d.file.fileName) : ''}: ${text}`;
    const { line } = d.file!.getLineAndCharacterOfPosition(d.start);
    return `${snippet.readme}:${snippet.line + line + 1}: ${text}`;
  });
}

test('every TypeScript block of the READMEs type-checks under strict', () => {
  const all = snippets();
  expect(all.length).toBeGreaterThan(10);
  expect(check(new Map(all.map((s) => [s.file, s])))).toEqual([]);
}, 120_000);

test('the check has teeth: untyped data, and optional data read as required, are errors', () => {
  const bad = (code: string): Snippet => ({ readme: 'inline', line: 0, file: join(ROOT, `inline${code.length}.snippet.ts`), code: `import { Wrkr } from '@wrkr/core';\ndeclare const wrkr: Wrkr;\n${code}\nexport {};\n` });
  const untyped = bad("await wrkr.subscribe('q', 'a.b', async (event) => { event.data.email; });");
  const optional = bad("await wrkr.subscribe<{ email: string }>('q', 'a.b', async (event) => { event.data.email; });");
  const required = bad("await wrkr.subscribe<{ email: string }>('q', 'a.b', async (event) => { event.data.email.toUpperCase(); }, { data: 'required' });");
  const wrongPublish = bad("await wrkr.publish<{ email: string }>({ name: 'a.b', data: { mail: 'x' } });");
  const errors = check(new Map([untyped, optional, required, wrongPublish].map((s) => [s.file, s])));
  expect(errors.sort()).toEqual([
    expect.stringMatching(/^inline:3: 'event\.data' is of type 'unknown'/),
    expect.stringMatching(/^inline:3: 'event\.data' is possibly 'undefined'/),
    expect.stringMatching(/^inline:3: No overload matches this call\.[\s\S]*'mail' does not exist in type '\{ email: string; \}'/),
  ]);
}, 120_000);
