import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { REASON_CATALOGUE } from './reason-catalogue.js'

/** The codes every worker of this run recorded (see record-reasons.setup.ts). */
export function readObservedReasons(dir: string): Set<string> {
  const observed = new Set<string>()
  for (const file of readdirSync(dir)) {
    for (const code of readFileSync(join(dir, file), 'utf8').split('\n')) if (code !== '') observed.add(code)
  }
  return observed
}

/** `folder: code` for each catalogue code not observed. */
export function unobservedReasons(observed: ReadonlySet<string>): string[] {
  return Object.entries(REASON_CATALOGUE).flatMap(([folder, codes]) => codes.filter((c) => !observed.has(c)).map((c) => `${folder}: ${c}`))
}

/**
 * Whether this run was the whole suite, recorded: the config installs the recorder, and
 * every test file it includes ran, with no test name filter. A run of some files
 * (`vitest run test/http`, `-t`) cannot be expected to observe every code.
 */
export async function ranWholeSuite(project: TestProject): Promise<boolean> {
  // A config without the recorder (the mutation runs') observes nothing, whatever it ran.
  if (!project.config.setupFiles.some((f) => f.endsWith('/record-reasons.setup.ts'))) return false
  if (project.vitest.config.testNamePattern !== undefined) return false
  const ran = new Set(project.vitest.state.getFiles().map((f) => f.filepath))
  const { testFiles } = await project.globTestFiles()
  return testFiles.length > 0 && testFiles.every((f) => ran.has(f))
}
