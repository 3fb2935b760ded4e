import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

// Code the documentation shows as a whole module (a fence right after `<!-- compiles -->`)
// must type-check against the package as a user gets it: `import ... from 'slackgate'`
// resolves to the built dist/ (npm test builds first). Excerpts with `...` are not marked.

const root = fileURLToPath(new URL('../..', import.meta.url))
const pages = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]
// Inside the package, so that 'slackgate' resolves to this package (a self-reference).
const dir = join(root, 'node_modules', '.cache', `slackgate-doc-snippets-${process.pid}`)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface Snippet {
  readonly page: string
  readonly line: number
  readonly code: string
}

/** Fenced `ts` blocks right after a `<!-- compiles -->` line, dedented. */
function markedSnippets(page: string, markdown: string): Snippet[] {
  const lines = markdown.split('\n')
  const out: Snippet[] = []
  for (let i = 0; i + 1 < lines.length; i++) {
    if (lines[i]!.trim() !== '<!-- compiles -->') continue
    const fence = /^(\s*)```ts\s*$/.exec(lines[i + 1]!)
    if (fence === null) throw new Error(`${page}:${i + 1}: <!-- compiles --> must be followed by a \`\`\`ts fence`)
    const indent = fence[1]!.length
    const end = lines.findIndex((l, k) => k > i + 1 && l.trim() === '```')
    if (end === -1) throw new Error(`${page}:${i + 2}: unterminated fence`)
    out.push({ page, line: i + 3, code: lines.slice(i + 2, end).map((l) => l.slice(indent)).join('\n') })
  }
  return out
}

const snippets = pages.flatMap((page) => markedSnippets(page, readFileSync(join(root, page), 'utf8')))

describe('documentation code', () => {
  it('marks the complete examples of the library, the SDK and gateway tokens', () => {
    const marked = new Set(snippets.map((s) => s.page))
    expect(marked).toEqual(new Set(['docs/library.md', 'docs/workflow-endpoints.md', 'docs/exactly-once.md', 'docs/handlers.md']))
  })

  it('type-checks each marked snippet against the built package', () => {
    mkdirSync(dir, { recursive: true })
    const names = snippets.map((s, i) => {
      const name = `snippet-${i}.ts`
      writeFileSync(join(dir, name), `// ${s.page}:${s.line}\n${s.code}\nexport {}\n`)
      return name
    })
    const base = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')) as { compilerOptions: Record<string, unknown> }
    const compilerOptions = { ...base.compilerOptions, rootDir: '.', noEmit: true }
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: names }))
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' })
    // Name the page and line of each error, not the temporary file.
    const report = `${tsc.stdout}${tsc.stderr}`.replace(/\S*snippet-(\d+)\.ts\((\d+),(\d+)\)/g, (_m, i: string, l: string) => {
      const s = snippets[Number(i)]!
      return `${s.page}:${s.line + Number(l) - 2}`
    })
    expect(report).toBe('')
    expect(tsc.status).toBe(0)
  })

  it('finds a marked snippet that does not compile', () => {
    const [bad] = markedSnippets('x.md', "text\n<!-- compiles -->\n  ```ts\n  const n: number = 'one'\n  ```\n")
    expect(bad).toEqual({ page: 'x.md', line: 4, code: "const n: number = 'one'" })
  })
})
