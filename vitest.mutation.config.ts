import { defineConfig } from 'vitest/config'

/**
 * The tests `npm run mutation` runs against each mutant: the unit tests of the mutated
 * folders (verify, policy, the audit chain, admission) and the HTTP tests that drive them
 * through the real app. Process and CLI tests run the built dist/, which a mutant of src/
 * does not change; TLS and store contract suites reach these files no closer than the HTTP
 * tests do, and would make a run take hours on two cores.
 *
 * Every HTTP request passes through verify/, so every HTTP test covers its mutants, and each
 * surviving one runs them all: with `SLACKGATE_MUTATION_SCOPE=verify` (src/verify and the
 * audit chain only) the tests are their unit tests and the library adapters' (the only tests
 * of that glue), so that a run of that scope takes minutes.
 */
const scope = process.env.SLACKGATE_MUTATION_SCOPE

const verifyTests = ['test/unit/verify/**/*.test.ts', 'test/unit/audit/**/*.test.ts', 'test/http/library-adapters.test.ts']

/** `SLACKGATE_MUTATION_SCOPE=admission`: src/dispatch/admit.ts and src/http/admit-request.ts. */
const admissionTests = ['test/unit/dispatch/admit*.test.ts', 'test/http/queue-unavailable.test.ts', 'test/http/slack-routes.test.ts']

const allTests = [
  ...verifyTests,
  'test/http/slack-routes.test.ts',
  'test/http/hooks*.test.ts',
  'test/unit/policy/**/*.test.ts',
  'test/unit/dispatch/admit*.test.ts',
  // The config tests that build what verify/ and policy/ check: proxy address lists, rules.
  'test/unit/config/tls.test.ts',
  'test/unit/config/access.test.ts',
  'test/contract/directory.test.ts',
  'test/http/queue-unavailable.test.ts',
  'test/http/direct-messages.test.ts',
  'test/http/workflow-endpoints.test.ts',
  'test/http/access-policy.test.ts',
]

export default defineConfig({
  test: {
    include: scope === 'verify' ? verifyTests : scope === 'admission' ? admissionTests : allTests,
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
})
