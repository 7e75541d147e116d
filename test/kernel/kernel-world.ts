/**
 * The Linux side of the differential test: a `python3` child running kernel_helper.py, which owns real
 * kernel objects in pairs (TCP, a pipe, UDP, a regular file) and answers one JSON line per request (the protocol and its settling rule are
 * described at the top of that file).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Kind, Obs, Op, Outcome, Side, Step, World } from './model.js';

const HELPER = fileURLToPath(new URL('./kernel_helper.py', import.meta.url));

interface Reply {
  obs?: Obs;
  outcome?: Outcome;
  settle?: { ms: number; timedOut: boolean };
  error?: string;
}

/** One helper process; `close()` ends it. */
export class KernelWorld {
  readonly #proc: ChildProcessWithoutNullStreams;
  readonly #waiting: ((line: string) => void)[] = [];
  #stderr = '';
  #exited: string | null = null;
  /** How many settles ran into the helper's 300 ms cap (a peer that never acknowledged). */
  timedOutSettles = 0;

  constructor() {
    this.#proc = spawn('python3', [HELPER], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#proc.stderr.setEncoding('utf8').on('data', (d: string) => (this.#stderr += d));
    createInterface({ input: this.#proc.stdout }).on('line', (line) => this.#waiting.shift()?.(line));
    this.#proc.on('exit', (code, signal) => {
      this.#exited = `kernel_helper.py exited (${code ?? signal}): ${this.#stderr}`;
      for (const w of this.#waiting.splice(0)) w(JSON.stringify({ error: this.#exited }));
    });
  }

  #ask(req: object): Promise<Reply> {
    if (this.#exited) return Promise.reject(new Error(this.#exited));
    return new Promise((resolve, reject) => {
      this.#waiting.push((line) => {
        const reply = JSON.parse(line) as Reply;
        if (reply.error) reject(new Error(reply.error));
        else resolve(reply);
      });
      this.#proc.stdin.write(`${JSON.stringify(req)}\n`);
    });
  }

  #step(op: Op | null, r: Reply): Step {
    if (r.settle?.timedOut) this.timedOutSettles++;
    return { op, outcome: r.outcome ?? 'ok', obs: r.obs as Obs };
  }

  /** A fresh pair of `kind` (the previous one is closed): the set-up step. */
  async open(kind: Kind = 'tcp'): Promise<Step> {
    return this.#step(null, await this.#ask({ cmd: 'new', kind }));
  }

  /** Applies `op`, waits until the pair has settled, and observes. */
  async apply(op: Op): Promise<Step> {
    return this.#step(op, await this.#ask({ cmd: 'op', side: op.side, op: op.op, n: op.n ?? 0 }));
  }

  /** Closes the current pair. */
  async end(): Promise<void> {
    await this.#ask({ cmd: 'end' });
  }

  /** Ends the helper. */
  close(): void {
    if (this.#exited) return;
    this.#proc.stdin.end(`${JSON.stringify({ cmd: 'quit' })}\n`);
  }
}

/**
 * A second kernel world in the place of net-select's (`npm run test:kernel -- --self`): Linux against
 * itself. Every disagreement it reports is noise of the harness (settling, timing), never a bug of net-select.
 */
export class KernelAsWorld implements World {
  readonly #k = new KernelWorld();
  #last: Step | null = null;

  open(kind: Kind): Promise<Step> {
    return this.#k.open(kind);
  }

  async call(op: Op): Promise<Outcome> {
    this.#last = await this.#k.apply(op);
    return this.#last.outcome;
  }

  async settled(_op: Op, _outcome: Outcome, _agrees: (bits: Record<Side, number>) => boolean): Promise<Step> {
    return this.#last as Step;
  }

  async linger(step: Step): Promise<Step> {
    return step;
  }

  async end(): Promise<void> {
    await this.#k.end();
  }

  close(): void {
    this.#k.close();
  }
}
