// The order the shared test processes claim files in (test/suite/groups.ts): the longest first, by what the
// last run measured, so that a long file never starts last.
import t from 'tap';
import { claimOrder, sharedFiles } from './suite/groups.js';

const files = sharedFiles();

t.test('with nothing measured (a fresh clone) the order is the size guess, every shared file once', (t) => {
  const order = claimOrder(files, new Map());
  t.same([...order].sort(), [...files].sort());
  t.equal(new Set(order).size, files.length);
  t.end();
});

t.test('measured files go longest first, whatever their size', (t) => {
  const guess = claimOrder(files, new Map());
  // Reverse the guess: the file guessed cheapest measured the longest.
  const measured = new Map(guess.map((f, i) => [f, 1000 + i * 10]));
  t.same(claimOrder(files, measured), [...guess].reverse());
  t.end();
});

t.test('a file never measured is placed by its guess, scaled to the measured files', (t) => {
  const guess = claimOrder(files, new Map());
  const newcomer = guess[0] as string; // the costliest guess
  // Every other file measured at 1 ms: the newcomer's guess, scaled by theirs, is its size over the median
  // size (in ms), above 1: it still goes first.
  const measured = new Map(guess.slice(1).map((f) => [f, 1]));
  const order = claimOrder(files, measured);
  t.equal(order[0], newcomer);
  // Measured tiny, it goes last.
  measured.set(newcomer, 0);
  t.equal(claimOrder(files, measured).at(-1), newcomer);
  t.end();
});
