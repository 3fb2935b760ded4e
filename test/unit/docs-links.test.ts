import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// Every relative link in the README, the changelog and docs/ must lead somewhere: to a file
// that exists and, for `#anchor`, to a heading of that page, slugged as GitHub does.

const root = fileURLToPath(new URL('../..', import.meta.url))

const pages = [
  'README.md',
  'CHANGELOG.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
].filter((p) => existsSync(join(root, p)))

/** Text with fenced code blocks blanked out (line count kept), so `#` comments are not headings. */
function withoutFences(markdown: string): string {
  let fenced = false
  return markdown
    .split('\n')
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) {
        fenced = !fenced
        return ''
      }
      return fenced ? '' : line
    })
    .join('\n')
}

/** GitHub's heading ids (github-slugger): rendered text, lowercased, punctuation dropped, spaces to hyphens, repeats numbered. */
function headingSlugs(markdown: string): Set<string> {
  const slugs = new Set<string>()
  const seen = new Map<string, number>()
  for (const line of withoutFences(markdown).split('\n')) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)
    if (heading === null) continue
    const text = heading[1]!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/[`*]/g, '')
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-')
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    slugs.add(n === 0 ? base : `${base}-${n}`)
  }
  return slugs
}

/** The relative link targets of a page: `[text](target)`, outside code. */
function relativeLinks(markdown: string): string[] {
  const text = withoutFences(markdown).replace(/`[^`\n]*`/g, '')
  const out: string[] = []
  for (const m of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    const target = m[1]!
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue // https:, mailto:
    out.push(target)
  }
  return out
}

/** What is wrong with each relative link of `page` (a path relative to `base`); empty when all lead somewhere. */
function brokenLinks(base: string, page: string): string[] {
  const problems: string[] = []
  const markdown = readFileSync(join(base, page), 'utf8')
  for (const link of relativeLinks(markdown)) {
    const [pathPart = '', anchor] = link.split('#', 2)
    const target = pathPart === '' ? join(base, page) : join(base, dirname(page), decodeURIComponent(pathPart))
    if (!existsSync(target)) {
      problems.push(`${page}: ${link} (no file ${relative(base, target)})`)
      continue
    }
    if (anchor === undefined) continue
    if (statSync(target).isDirectory() || !target.endsWith('.md')) {
      problems.push(`${page}: ${link} (an anchor into a file that is not a markdown page)`)
      continue
    }
    if (!headingSlugs(readFileSync(target, 'utf8')).has(decodeURIComponent(anchor))) {
      problems.push(`${page}: ${link} (no heading #${anchor} in ${relative(base, target)})`)
    }
  }
  return problems
}

describe('documentation links', () => {
  it('covers the README and every page in docs/', () => {
    expect(pages).toContain('README.md')
    expect(pages.filter((p) => p.startsWith('docs/')).length).toBeGreaterThan(5)
  })

  it.each(pages)('every relative link in %s leads to a file and heading that exist', (page) => {
    expect(brokenLinks(root, page)).toEqual([])
  })

  it("the README's contents list every section of the README", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8')
    const contents = readme.slice(readme.indexOf('## Contents'), readme.indexOf('\n## ', readme.indexOf('## Contents') + 1))
    const listed = new Set(relativeLinks(contents))
    const sections = [...headingSlugs(readme)].filter((slug) => slug !== 'slackgate' && slug !== 'contents')
    expect(sections.filter((slug) => !listed.has(`#${slug}`))).toEqual([])
  })

  it('slugs headings as GitHub does', () => {
    const slugs = headingSlugs(
      [
        '# Compliance: the audit log',
        '## Webhook sources (GitHub, Stripe, Standard Webhooks, generic)',
        '### `server.tls` and mutual TLS',
        '## Exactly once',
        '## Exactly once',
        '```sh',
        '# not a heading',
        '```',
      ].join('\n'),
    )
    expect([...slugs]).toEqual([
      'compliance-the-audit-log',
      'webhook-sources-github-stripe-standard-webhooks-generic',
      'servertls-and-mutual-tls',
      'exactly-once',
      'exactly-once-1',
    ])
  })

  it('finds a missing file, a missing heading, and ignores links in code and absolute URLs', () => {
    const links = relativeLinks(
      'See [a](docs/a.md#b), [c](https://example.com/x), `[d](nope.md)`, [e](#here).\n```\n[f](g.md)\n```\n',
    )
    expect(links).toEqual(['docs/a.md#b', '#here'])
    const problems = brokenLinks(root, 'test/fixtures/docs-links/broken.md')
    expect(problems).toEqual([
      'test/fixtures/docs-links/broken.md: missing.md (no file test/fixtures/docs-links/missing.md)',
      'test/fixtures/docs-links/broken.md: broken.md#no-such-heading (no heading #no-such-heading in test/fixtures/docs-links/broken.md)',
      'test/fixtures/docs-links/broken.md: #nor-this (no heading #nor-this in test/fixtures/docs-links/broken.md)',
    ])
  })
})
