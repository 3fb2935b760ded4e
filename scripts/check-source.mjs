#!/usr/bin/env node
// Source checks that run with `npm test`: rules a type checker cannot see.
// - no console.* anywhere in src/ (logs go through pino, which redacts secrets; the CLI
//   writes to process.stdout and process.stderr on purpose);
// - nothing that reads like a switch turning verification off.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const src = join(root, 'src')

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) yield* files(path)
    else if (entry.name.endsWith('.ts')) yield path
  }
}

const rules = [
  { re: /console\.(log|error|warn|info|debug|trace|dir)\(/, why: 'use the pino logger (it redacts secrets)' },
  { re: /(skip|disable|bypass)[A-Za-z]*(Verif|Signature)|signatureVerification\s*:\s*false/, why: 'slackgate has no way to turn verification off' },
]

const problems = []
for (const file of files(src)) {
  const rel = relative(root, file)
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      for (const rule of rules) {
        if (rule.skip?.(rel)) continue
        if (rule.re.test(line)) problems.push(`${rel}:${i + 1}: ${rule.why}\n    ${line.trim()}`)
      }
    })
}

if (problems.length > 0) {
  process.stderr.write(`check-source: ${problems.length} problem(s)\n${problems.join('\n')}\n`)
  process.exit(1)
}
process.stdout.write('check-source: ok\n')
