/**
 * Type-checks the code a reader copies: every `@example` on what `net-select` and `net-select/testing`
 * export, and every ```ts block of docs/from-python.md. Also fails when an exported function or class has no
 * `@example`. Run by `npm run docs:check`; prints one line per problem and "N passed, N failed".
 *
 * Each example is checked in a function of its own, with the package's exports in scope and a few free names
 * an example may use (`sock`, `listener`, `port`, ...) declared with their types.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ENTRIES = ['lib/index.ts', 'lib/testing/index.ts'].map((f) => join(ROOT, f));
const GUIDES = ['docs/from-python.md'];

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

interface Snippet {
  where: string;
  file: string;
  code: string;
}

// Pass 1: the exports and their @examples.
const base = ts.createProgram(ENTRIES, options);
const checker = base.getTypeChecker();
const snippets: Snippet[] = [];
const problems: string[] = [];
const valueNames: string[][] = [];

function examplesOf(decl: ts.Node): string[] {
  return ts
    .getJSDocTags(decl)
    .filter((t) => t.tagName.text === 'example')
    .map((t) => (typeof t.comment === 'string' ? t.comment : ts.getTextOfJSDocComment(t.comment) ?? ''))
    .map((c) => c.replace(/^```\w*\n?|```$/gm, '').trim())
    .filter((c) => c.length > 0);
}

for (const entry of ENTRIES) {
  const sf = base.getSourceFile(entry);
  const moduleSymbol = sf && checker.getSymbolAtLocation(sf);
  if (!moduleSymbol) throw new Error(`cannot read ${entry}`);
  const names: string[] = [];
  for (const exp of checker.getExportsOfModule(moduleSymbol)) {
    const sym = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp;
    names.push(sym.flags & ts.SymbolFlags.Value ? exp.name : `type ${exp.name}`);
    const examples: string[] = [];
    for (const decl of sym.declarations ?? []) {
      examples.push(...examplesOf(decl));
      if (ts.isClassDeclaration(decl)) for (const m of decl.members) examples.push(...examplesOf(m));
      if (ts.isVariableDeclaration(decl)) examples.push(...examplesOf(decl.parent.parent));
    }
    const callable = sym.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Class);
    if (callable && examples.length === 0) problems.push(`${exp.name}: an exported ${sym.flags & ts.SymbolFlags.Class ? 'class' : 'function'} without an @example`);
    examples.forEach((code, i) => snippets.push({ where: `@example ${i + 1} of ${exp.name}`, file: '', code }));
  }
  valueNames.push(names);
}

const [mainNames = [], testingNames = []] = valueNames;
const prelude =
  `import { ${mainNames.join(', ')} } from ${JSON.stringify(join(ROOT, 'lib/index.ts'))};\n` +
  `import { ${testingNames.join(', ')} } from ${JSON.stringify(join(ROOT, 'lib/testing/index.ts'))};\n` +
  `import net from 'node:net';\nimport diagnosticsChannel from 'node:diagnostics_channel';\nimport { spawn } from 'node:child_process';\n${FREE}\n`;
snippets.forEach((s, i) => {
  // An example's own imports go to the top of its module; the prelude leaves out what they bring.
  const lines = s.code.split('\n');
  const imports = lines.filter((l) => /^import .* from '[^']+';?$/.test(l));
  const body = lines.filter((l) => !imports.includes(l));
  const own = (name: string): boolean => imports.some((l) => new RegExp(`\\b${name}\\b`).test(l.split(' from ')[0] ?? ''));
  const pre = prelude.split('\n').filter((l) => !(l.startsWith('import ') && /^import (\w+) from/.test(l) && own(/^import (\w+)/.exec(l)?.[1] ?? '')));
  s.file = join(ROOT, `__example_${i}.mts`);
  s.code = `${imports.join('\n')}\n${pre.join('\n')}export async function example(): Promise<void> {\n${body.join('\n')}\n}\n`;
});

for (const guide of GUIDES) {
  const text = readFileSync(join(ROOT, guide), 'utf8');
  let n = 0;
  for (const m of text.matchAll(/```ts\n([\s\S]*?)```/g)) {
    n++;
    // A guide's block is a program of its own, importing the package by name.
    const code = (m[1] ?? '').replaceAll(`from 'net-select'`, `from ${JSON.stringify(join(ROOT, 'lib/index.ts'))}`);
    snippets.push({ where: `${guide} block ${n}`, file: join(ROOT, `__guide_${snippets.length}.mts`), code: `${code}\nexport {};\n` });
  }
}

// Pass 2: one program with every snippet as a file of its own.
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
const failedSnippets = new Set<string>();
for (const d of ts.getPreEmitDiagnostics(program)) {
  const s = d.file && byFile.get(d.file.fileName);
  const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
  if (!s) {
    problems.push(`${d.file?.fileName ?? '?'}: ${text}`);
    continue;
  }
  const line = d.start === undefined || !d.file ? 0 : d.file.getLineAndCharacterOfPosition(d.start).line;
  failedSnippets.add(s.where);
  problems.push(`${s.where}: ${text}\n    ${s.code.split('\n')[line]?.trim() ?? ''}`);
}

for (const p of problems) console.log(`not ok - ${p}`);
const failed = failedSnippets.size + problems.filter((p) => p.includes('without an @example')).length;
console.log(`${snippets.length} examples checked`);
console.log(`${snippets.length - failedSnippets.size} passed, ${failed} failed`);
process.exitCode = problems.length > 0 ? 1 : 0;
