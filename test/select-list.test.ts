import t from 'tap';
import { SelectList } from '../examples/select-list.js';

t.test('SelectList: a Set handed out as one array until it changes', async (t) => {
  const l = new SelectList<string>(['a', 'b']);
  const first = l.items;
  t.same(first, ['a', 'b']);
  t.equal(l.items, first, 'the same array while nothing changes');
  l.add('a');
  l.delete('zz');
  t.equal(l.items, first, 'adding a member or deleting a stranger changes nothing');
  l.add('c');
  t.not(l.items, first, 'a change builds a new array');
  t.same(first, ['a', 'b'], 'and leaves the one handed out before as it was (a waiting select may hold it)');
  l.delete('a');
  t.same(l.items, ['b', 'c'], 'insertion order');
  t.equal(l.size, 2);
  t.ok(l.has('b'));
  t.notOk(l.has('a'));
});
