import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// What `npm pack` (and so an install from git or a tarball, docs/library.md) ships: the
// built entry points package.json names, the licence it states, and nothing else of the tree.

const root = fileURLToPath(new URL('../..', import.meta.url))

interface PackageJson {
  readonly license: string
  readonly main: string
  readonly types: string
  readonly bin: Record<string, string>
  readonly exports: Record<string, { readonly types: string; readonly default: string }>
}

describe('the package as npm packs it', () => {
  it('holds the entry points, their types, the CLI, the licence and the README, and no sources or tests', () => {
    // --ignore-scripts: list what would be packed from the dist/ that `npm test` built, without rebuilding it under other tests.
    const npm = spawnSync('npm', ['pack', '--dry-run', '--ignore-scripts', '--json'], { cwd: root, encoding: 'utf8' })
    expect(npm.status, npm.stderr).toBe(0)
    const [pack] = JSON.parse(npm.stdout) as Array<{ files: Array<{ path: string }> }>
    const files = new Set(pack!.files.map((f) => f.path))
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson
    const named = [pkg.main, pkg.types, ...Object.values(pkg.bin), ...Object.values(pkg.exports).flatMap((e) => [e.types, e.default])]
    for (const path of [...named.map((p) => p.replace(/^\.\//, '')), 'LICENSE', 'README.md', 'package.json']) expect(files).toContain(path)
    // The admin console's stylesheet and script, which tsc does not copy (scripts/copy-assets.mjs does).
    for (const asset of ['console.css', 'console.js']) expect(files).toContain(`dist/admin/console/assets/${asset}`)
    expect([...files].filter((f) => !/^(dist\/|LICENSE$|README\.md$|package\.json$)/.test(f))).toEqual([])
  })

  it('states the licence that LICENSE holds', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson
    expect(pkg.license).toBe('Apache-2.0')
    const license = readFileSync(join(root, 'LICENSE'), 'utf8')
    expect(license).toContain('Apache License\n                           Version 2.0, January 2004')
    expect(license).toContain('END OF TERMS AND CONDITIONS')
  })
})
