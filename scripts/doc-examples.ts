/**
 * Type-checks the code a reader copies: every `@example` on what `net-select` and `net-select/testing`
 * export, and every ```ts block of the guides (README.md and every docs/*.md). Also fails when an exported
 * function or class has no `@example`. Run by `npm run docs:check`; prints one line per problem and
 * "N passed, N failed". test/guides.test.ts uses the same functions on the guides alone.
 *
 * Each example is checked in a function of its own, with the package's exports in scope and a few free names
 * an example may use (`sock`, `listener`, `port`, ...) declared with their types. A guide's block with an
 * import line is a program of its own, importing the package by name; a block without one is a fragment,
 * checked as an example is.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ENTRIES = ['lib/index.ts', 'lib/testing/index.ts'].map((f) => join(ROOT, f));

/** The guides whose ```ts blocks are checked, relative to the root: README.md, every docs/*.md, the exercises'. */
export function guides(): string[] {
  const docs = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort();
  return ['README.md', ...docs.map((f) => `docs/${f}`), 'examples/exercises/README.md'];
}

/** Names an example may use without defining them. */
const FREE = `
declare const sock: Socket;
declare const client: Socket;
declare const listener: Listener;
declare const server: Listener;
declare const port: number;
declare const data: Buffer;
declare const buf: Buffer;
declare const clients: Socket[];
declare const pendingWrites: Socket[];
declare const selector: Selector;
declare const sel: EpollSelector;
declare const stdin: StreamFile;
declare const stdout: StreamFile;
declare const line: Buffer;
declare const udp: DatagramSocket;
declare const poller: Poll;
declare const p: Poll;
declare const msg: TraceMessage;
declare const ep: Epoll;
declare const sim: SimNetwork;
declare const t: { teardown(fn: () => unknown): void; passing(): boolean; comment(...m: unknown[]): void };
declare let received: number;
declare const frame: Buffer;
`;

const options: ts.CompilerOptions = {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2022.d.ts'],
  types: ['node'],
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  allowImportingTsExtensions: true,
};

/** One piece of code to check: where it comes from, the file name it is checked under, its code. */
export interface Snippet {
  where: string;
  file: string;
  code: string;
}

/** The package by name, as a reader imports it, and the file each name is checked against. */
const PACKAGE_IMPORTS: [string, string][] = [
  ['net-select/testing', 'lib/testing/index.ts'],
  ['net-select', 'lib/index.ts'],
];


/** The exports' `@example`s, the problems found in them (an export without one), and the prelude. */
export interface Examples {
  snippets: Snippet[];
  problems: string[];
  /** What a fragment is checked with: see {@link fragmentPrelude}. */
  prelude: string;
}

function examplesOf(decl: ts.Node): string[] {
  return ts
    .getJSDocTags(decl)
    .filter((t) => t.tagName.text === 'example')
    .map((t) => (typeof t.comment === 'string' ? t.comment : ts.getTextOfJSDocComment(t.comment) ?? ''))
    .map((c) => c.replace(/^```\w*\n?|```$/gm, '').trim())
    .filter((c) => c.length > 0);
}

/**
 * The names an entry point exports, read from its source by the parser alone (no type-checking): its
 * `export { … } from` lists and, for `export * from`, the exported declarations of that file. Type-only
 * names come as `type Name`, ready for an import list.
 */
export function exportNames(entry: string): string[] {
  const names: string[] = [];
  const parse = (file: string): ts.SourceFile => ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const has = (n: ts.Node, k: ts.SyntaxKind): boolean => ts.canHaveModifiers(n) && (ts.getModifiers(n) ?? []).some((m) => m.kind === k);
  const declared = (file: string): void => {
    for (const st of parse(file).statements) {
      if (!has(st, ts.SyntaxKind.ExportKeyword)) continue;
      if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) names.push(d.name.getText(st.getSourceFile()));
      else if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isEnumDeclaration(st)) && st.name) names.push(st.name.text);
      else if ((ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) && st.name) names.push(`type ${st.name.text}`);
    }
  };
  for (const st of parse(entry).statements) {
    if (!ts.isExportDeclaration(st) || !st.moduleSpecifier || !ts.isStringLiteral(st.moduleSpecifier)) continue;
    const target = join(dirname(entry), st.moduleSpecifier.text.replace(/\.js$/, '.ts'));
    if (st.exportClause === undefined) declared(target);
    else if (ts.isNamedExports(st.exportClause)) {
      for (const e of st.exportClause.elements) names.push(st.isTypeOnly || e.isTypeOnly ? `type ${e.name.text}` : e.name.text);
    }
  }
  return names;
}

/** What a fragment is checked with: the package's exports, a few node modules, the free names. */
export function fragmentPrelude(): string {
  const [main, testing] = ENTRIES.map(exportNames) as [string[], string[]];
  return (
    `import { ${main.join(', ')} } from ${JSON.stringify(join(ROOT, 'lib/index.ts'))};\n` +
    `import { ${testing.join(', ')} } from ${JSON.stringify(join(ROOT, 'lib/testing/index.ts'))};\n` +
    `import net from 'node:net';\nimport diagnosticsChannel from 'node:diagnostics_channel';\nimport { spawn } from 'node:child_process';\n${FREE}\n`
  );
}

/** Pass 1: the `@example`s of both entry points' exports, as fragments, and the exports that lack one. */
export function collectExamples(): Examples {
  const base = ts.createProgram(ENTRIES, options);
  const checker = base.getTypeChecker();
  const raw: { where: string; code: string }[] = [];
  const problems: string[] = [];
  for (const entry of ENTRIES) {
    const sf = base.getSourceFile(entry);
    const moduleSymbol = sf && checker.getSymbolAtLocation(sf);
    if (!moduleSymbol) throw new Error(`cannot read ${entry}`);
    for (const exp of checker.getExportsOfModule(moduleSymbol)) {
      const sym = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp;
      const examples: string[] = [];
      for (const decl of sym.declarations ?? []) {
        examples.push(...examplesOf(decl));
        if (ts.isClassDeclaration(decl)) for (const m of decl.members) examples.push(...examplesOf(m));
        if (ts.isVariableDeclaration(decl)) examples.push(...examplesOf(decl.parent.parent));
      }
      const callable = sym.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Class);
      if (callable && examples.length === 0) problems.push(`${exp.name}: an exported ${sym.flags & ts.SymbolFlags.Class ? 'class' : 'function'} without an @example`);
      examples.forEach((code, i) => raw.push({ where: `@example ${i + 1} of ${exp.name}`, code }));
    }
  }
  const prelude = fragmentPrelude();
  const snippets = raw.map((r, i) => fragment(r.where, `__example_${i}.mts`, r.code, prelude));
  return { snippets, problems, prelude };
}

/** A fragment as a module: its own imports on top, the prelude without what they bring, the body in a function. */
function fragment(where: string, name: string, code: string, prelude: string): Snippet {
  const lines = code.split('\n');
  const imports = lines.filter((l) => /^import .* from '[^']+';?$/.test(l));
  const body = lines.filter((l) => !imports.includes(l));
  const own = (n: string): boolean => imports.some((l) => new RegExp(`\\b${n}\\b`).test(l.split(' from ')[0] ?? ''));
  const pre = prelude.split('\n').filter((l) => !(l.startsWith('import ') && /^import (\w+) from/.test(l) && own(/^import (\w+)/.exec(l)?.[1] ?? '')));
  return { where, file: join(ROOT, name), code: `${imports.join('\n')}\n${pre.join('\n')}export async function example(): Promise<void> {\n${body.join('\n')}\n}\n` };
}

/**
 * The ```ts blocks of `guide` (a path from the root). A block that imports is a program of its own, the
 * package's names resolved to this checkout; a block without an import is a fragment, checked with
 * `prelude` as an `@example` is.
 */
export function guideSnippets(guide: string, prelude: string): Snippet[] {
  const text = readFileSync(join(ROOT, guide), 'utf8');
  const out: Snippet[] = [];
  const slug = guide.replace(/\W/g, '_');
  let n = 0;
  for (const m of text.matchAll(/^```ts\n([\s\S]*?)^```/gm)) {
    n++;
    const line = text.slice(0, m.index).split('\n').length;
    const where = `${guide}:${line} (block ${n})`;
    let code = m[1] ?? '';
    if (!/^import .* from '[^']+';?\s*(\/\/.*)?$/m.test(code)) {
      out.push(fragment(where, `__guide_${slug}_${n}.mts`, code, prelude));
      continue;
    }
    for (const [name, file] of PACKAGE_IMPORTS) code = code.replaceAll(`from '${name}'`, `from ${JSON.stringify(join(ROOT, file))}`);
    out.push({ where, file: join(ROOT, `__guide_${slug}_${n}.mts`), code: `${code}\nexport {};\n` });
  }
  return out;
}

/** Pass 2: type-checks every snippet as a file of its own in one program; one problem per diagnostic. */
export function checkSnippets(snippets: Snippet[]): { problems: string[]; failed: Set<string> } {
  const host = ts.createCompilerHost(options);
  const byFile = new Map(snippets.map((s) => [s.file, s]));
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) => {
    const s = byFile.get(name);
    return s ? ts.createSourceFile(name, s.code, lang) : getSourceFile(name, lang, ...rest);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => byFile.has(name) || fileExists(name);
  const program = ts.createProgram([...byFile.keys()], options, host);
  const problems: string[] = [];
  const failed = new Set<string>();
  const diagnostics = [
    ...program.getGlobalDiagnostics(),
    ...program.getOptionsDiagnostics(),
    ...[...byFile.keys()].flatMap((f) => {
      const sf = program.getSourceFile(f);
      return sf ? [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)] : [];
    }),
  ];
  for (const d of diagnostics) {
    const s = d.file && byFile.get(d.file.fileName);
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!s) {
      problems.push(`${d.file?.fileName ?? '?'}: ${text}`);
      continue;
    }
    const line = d.start === undefined || !d.file ? 0 : d.file.getLineAndCharacterOfPosition(d.start).line;
    failed.add(s.where);
    problems.push(`${s.where}: ${text}\n    ${s.code.split('\n')[line]?.trim() ?? ''}`);
  }
  return { problems, failed };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const examples = collectExamples();
  const snippets = [...examples.snippets, ...guides().flatMap((g) => guideSnippets(g, examples.prelude))];
  const checked = checkSnippets(snippets);
  const problems = [...examples.problems, ...checked.problems];
  for (const p of problems) console.log(`not ok - ${p}`);
  const failed = checked.failed.size + examples.problems.length;
  console.log(`${snippets.length} examples checked`);
  console.log(`${snippets.length - checked.failed.size} passed, ${failed} failed`);
  process.exitCode = problems.length > 0 ? 1 : 0;
}
