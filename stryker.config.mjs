// Mutation testing of the security-relevant core: `npm run mutation` (not part of `npm test`).
// Results and what the score means: docs/mutation-testing.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: [
    'src/verify/**/*.ts',
    'src/policy/**/*.ts',
    'src/audit/chain.ts',
    'src/dispatch/admit.ts',
    'src/http/admit-request.ts',
  ],
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  coverageAnalysis: 'perTest',
  // Module-level mutants (constants, regexes built at load) would each re-run every test.
  ignoreStatic: true,
  concurrency: Number(process.env.STRYKER_CONCURRENCY ?? 2),
  // A mutant that loops forever is killed (as a timeout) this long after the tests' own time.
  timeoutMS: 3000,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // Stryker rewrites the tsconfig's extends/references through TypeScript's JS API, which
  // TypeScript 7 does not have; this project's tsconfig has neither, so point it elsewhere.
  tsconfigFile: 'tsconfig.stryker.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
}
