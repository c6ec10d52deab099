// Jest orders test files by their last duration, kept in its cache, and without one by file size. CI runs
// in a fresh clone with no cache, so the longest suites (conformance files of three lines each) started
// last and the run waited on them at the end; these start first, the rest keep jest's own order.
const Sequencer = require('@jest/test-sequencer').default;

/** Longest suites first, measured on a 2-core machine (mongodb on FerretDB: minutes). */
const LONGEST = [
  'backend-mongodb/test/conformance.test.ts',
  'backend-rabbitmq/test/conformance.test.ts',
  'backend-tests/test/packed-suite.test.ts',
  'backend-tests/test/teeth.test.ts',
  'backend-redis/test/conformance.test.ts',
];

/** Runs the known longest test files first. */
class LongestFirst extends Sequencer {
  async sort(tests) {
    const ordered = await super.sort(tests);
    const rank = (test) => {
      const i = LONGEST.findIndex((suffix) => test.path.endsWith(suffix));
      return i === -1 ? LONGEST.length : i;
    };
    return [...ordered].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = LongestFirst;
