import { matchPattern } from '../src/pattern';

describe('matchPattern (AMQP topic semantics)', () => {
  const cases: Array<[string, string, boolean]> = [
    ['ourapp.user.added', 'ourapp.user.added', true],
    ['ourapp.user.added', 'ourapp.user.removed', false],
    ['ourapp.*.added', 'ourapp.user.added', true],
    ['ourapp.*.added', 'ourapp.added', false],
    ['ourapp.*.added', 'ourapp.a.b.added', false],
    ['ourapp.*', 'ourapp', false],
    ['*', 'ourapp', true],
    ['*', 'a.b', false],
    ['#', 'a', true],
    ['#', 'a.b.c', true],
    ['ourapp.#', 'ourapp', true],
    ['ourapp.#', 'ourapp.user.added', true],
    ['ourapp.#', 'other.user', false],
    ['#.added', 'added', true],
    ['#.added', 'ourapp.user.added', true],
    ['#.added', 'ourapp.user.addedx', false],
    ['a.#.b', 'a.b', true],
    ['a.#.b', 'a.x.y.b', true],
    ['a.#.b', 'a.x.y.c', false],
    ['a.#.#.b', 'a.b', true],
    ['*.#', 'a', true],
    ['*.#', 'a.b.c', true],
    ['a.*.#.c', 'a.b.c', true],
    ['a.*.#.c', 'a.c', false],
    ['user-svc.x_y', 'user-svc.x_y', true],
    ['Ourapp.user', 'ourapp.user', false],
  ];
  it.each(cases)('%s ~ %s → %s', (pattern, name, expected) => {
    expect(matchPattern(pattern, name)).toBe(expected);
  });
});
