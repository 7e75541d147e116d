/**
 * The guides a reader follows — README.md, every docs/*.md and the exercises' README — stay true: every
 * ```ts block type-checks (the same check as `npm run docs:check`, scripts/doc-examples.ts), and every
 * command they tell the reader to run names things that exist: an npm script, a file of the repository, an
 * exercise, a test that `--grep` selects, the `net-select` command.
 */
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { checkSnippets, fragmentPrelude, guideSnippets, guides } from '../scripts/doc-examples.js';
import { exercises } from '../examples/exercises/run.js';
import { ROOT } from './fixtures/helpers.js';

const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  bin: Record<string, string>;
};
const GUIDES = guides();
const text = (g: string): string => fs.readFileSync(path.join(ROOT, g), 'utf8');

/** The commands of a guide: each line of its sh blocks, and each inline `npm …`, `npx …` or `node …`. */
function commandsOf(guide: string): { where: string; cmd: string }[] {
  const src = text(guide);
  const out: { where: string; cmd: string }[] = [];
  const at = (i: number): string => `${guide}:${src.slice(0, i).split('\n').length}`;
  for (const m of src.matchAll(/^```sh\n([\s\S]*?)^```/gm)) {
    let i = m.index + 6;
    for (const line of (m[1] ?? '').split('\n')) {
      const cmd = line.replace(/(^|\s)#.*$/, '').trim();
      if (cmd) out.push({ where: at(i), cmd });
      i += line.length + 1;
    }
  }
  const prose = src.replace(/^```[\s\S]*?^```/gm, (b) => b.replace(/[^\n]/g, ' '));
  for (const m of prose.matchAll(/`((?:[A-Z_]+=\S+ )*(?:npm|npx|node) [^`]+)`/g)) out.push({ where: at(m.index), cmd: m[1] as string });
  return out;
}

/** Splits a command line on `&&`, `;`, `|` and `&` into simple commands, each as words (quotes kept out). */
function simple(cmd: string): string[][] {
  return cmd
    .split(/\s*(?:&&|;|\||&)\s*/)
    .map((part) => [...part.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((w) => w[1] ?? w[2] ?? (w[3] as string)))
    .map((words) => {
      while (words[0] !== undefined && /^[A-Z_]+=/.test(words[0])) words.shift(); // NAME=value before a command
      return words;
    })
    .filter((words) => words.length > 0);
}

const REPO_DIRS = /^(examples|test|lib|docs|bench|scripts|bin)\//;
const OUTPUT_FLAGS = new Set(['--html', '--jsonl', '--out']);

/** Test names in a tap file. */
function testNames(file: string): string[] {
  return [...fs.readFileSync(path.join(ROOT, file), 'utf8').matchAll(/t\.test\(\s*(['"`])(.*?)\1/g)].map((m) => m[2] as string);
}

/** What is wrong with one simple command, or nothing. */
function problems(words: string[]): string[] {
  const found: string[] = [];
  const [tool, sub, ...rest] = words;
  const inner = tool === 'npx' && sub === 'net-select' ? rest.indexOf('--') : -1;
  (inner < 0 ? words : words.slice(0, inner + 2)).forEach((w, i) => {
    if (!REPO_DIRS.test(w) || !/\.\w+$/.test(w) || OUTPUT_FLAGS.has(words[i - 1] ?? '') || w.startsWith('examples/out/')) return;
    if (!fs.existsSync(path.join(ROOT, w))) found.push(`no file ${w}`);
  });
  if (tool === 'npm' && (sub === 'start' || sub === 'test') && PKG.scripts[sub] === undefined) found.push(`no npm script ${sub}`);
  if (tool === 'npm' && sub === 'run') {
    const [script, dashes, n, ...more] = rest;
    if (script === undefined || PKG.scripts[script] === undefined) found.push(`no npm script ${script}`);
    if (script === 'exercise') {
      const ok = dashes === '--' && (n === 'N' || exercises().some((e) => String(e.n) === n)) && (more.length === 0 || (more.length === 1 && more[0] === '--answer'));
      if (!ok) found.push(`not an exercise command: ${words.join(' ')}`);
    }
  }
  if (tool === 'npx' && sub === 'tap') {
    const g = rest.indexOf('--grep');
    const file = rest[0];
    if (g >= 0 && file !== undefined && fs.existsSync(path.join(ROOT, file))) {
      const pattern = new RegExp(rest[g + 1] ?? '');
      if (!testNames(file).some((name) => pattern.test(name))) found.push(`--grep "${rest[g + 1]}" selects no test of ${file}`);
    }
  }
  if (tool === 'npx' && sub === 'net-select') {
    const file = PKG.bin['net-select'];
    if (file === undefined || !fs.existsSync(path.join(ROOT, file))) found.push('no net-select command in package.json bin');
    if (rest.length > 0 && (rest[0] !== 'trace' || inner < 0)) found.push(`net-select takes: trace [--html F] -- command (got ${rest.join(' ')})`);
    else if (inner >= 0) found.push(...problems(rest.slice(inner + 1)));
  }
  return found;
}

t.test('every ```ts block of the guides type-checks', async (t) => {
  const prelude = fragmentPrelude();
  const snippets = GUIDES.flatMap((g) => guideSnippets(g, prelude));
  t.ok(snippets.length >= 10, `${snippets.length} blocks`);
  for (const g of ['README.md', 'docs/tutorial.md', 'docs/from-python.md']) t.ok(snippets.some((s) => s.where.startsWith(`${g}:`)), `${g} has blocks`);
  // One block that must fail, checked in the same program: the checker is not blind.
  const broken = {
    where: 'a block that cannot compile',
    file: path.join(ROOT, '__guide_broken.mts'),
    code: `import { select } from ${JSON.stringify(path.join(ROOT, 'lib/index.ts'))};\nconst n: number = await select([], [], [], 0);\nexport { n };\n`,
  };
  const checked = checkSnippets([...snippets, broken]);
  t.same([...checked.failed], [broken.where], 'no type error but the planted one');
  t.same(checked.problems.filter((p) => !p.startsWith(broken.where)), []);
});

t.test('every command the guides give names an npm script, a file, an exercise or a test that exists', async (t) => {
  const all = GUIDES.flatMap(commandsOf);
  t.ok(all.length >= 50, `${all.length} commands`);
  for (const { where, cmd } of all) {
    const found = simple(cmd).flatMap(problems);
    t.same(found, [], `${where}: ${cmd}`);
  }
});

t.test('every file of the repository a guide names or links to exists', async (t) => {
  let n = 0;
  for (const g of GUIDES) {
    const src = text(g);
    const named = [...src.matchAll(/(?:[\s`(]|\.\.\/)((?:examples|test|lib|docs|bench|scripts|bin)\/[\w./-]*\w\.(?:ts|mjs|js|md|py|png|json))\b/g)].map((m) => m[1] as string);
    for (const f of new Set(named)) {
      if (f.startsWith('examples/out/') || f.startsWith('docs/api/')) continue; // written by a command
      n++;
      const from = g.startsWith('docs/') || g.startsWith('examples/') ? [path.join(ROOT, f), path.join(ROOT, path.dirname(g), f)] : [path.join(ROOT, f)];
      t.ok(from.some((p) => fs.existsSync(p)), `${g} names ${f}`);
    }
  }
  t.ok(n >= 30, `${n} files named`);
});

t.test('every link between the guides lands on a file and, with an anchor, on a heading of it', async (t) => {
  const slug = (h: string): string => h.toLowerCase().replace(/[^\w\s-]/g, '').trim().replace(/\s/g, '-');
  const headings = (file: string): Set<string> =>
    new Set([...fs.readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#+ (.+)$/gm)].map((m) => slug(m[1] as string)));
  let n = 0;
  for (const g of GUIDES) {
    for (const m of text(g).matchAll(/\]\(([^)\s]*?)(?:#([\w-]+))?\)/g)) {
      const [, target = '', anchor] = m;
      if (/^\w+:/.test(target) || (target === '' && anchor === undefined)) continue; // another site
      const file = target === '' ? path.join(ROOT, g) : path.join(ROOT, path.dirname(g), target);
      n++;
      if (!t.ok(fs.existsSync(file), `${g}: ${m[0]}`)) continue;
      if (anchor !== undefined) t.ok(headings(file).has(anchor), `${g}: ${m[0]} has its heading`);
    }
  }
  t.ok(n >= 15, `${n} links`);
});

t.test('the command checker catches what it should', async (t) => {
  t.same(simple('printf "a b" | NET_SELECT_TRACE=1 npx tsx examples/x.ts'), [['printf', 'a b'], ['npx', 'tsx', 'examples/x.ts']]);
  t.same(problems(['npx', 'tsx', 'examples/no-such.ts']), ['no file examples/no-such.ts']);
  t.same(problems(['npm', 'run', 'no-such-script']), ['no npm script no-such-script']);
  t.same(problems(['npm', 'run', 'exercise', '--', '99']), ['not an exercise command: npm run exercise -- 99']);
  t.same(problems(['npx', 'tap', 'test/select.test.ts', '--grep', 'no test is called this']), [
    '--grep "no test is called this" selects no test of test/select.test.ts',
  ]);
  t.same(problems(['npx', 'net-select', 'trace', '--html', 'x.html', '--', 'npx', 'tsx', 'examples/gone.ts']), ['no file examples/gone.ts']);
  t.same(problems(['npx', 'net-select', 'trace', '--html', 'x.html', '--', 'npm', 'run', 'exercise', '--', '1']), []);
});
