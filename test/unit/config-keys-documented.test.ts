import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { configSchema } from '../../src/config/schema.js'

// Every key the config schema accepts has a row in docs/configuration.md's key table, so a
// new setting cannot ship undocumented.

const root = fileURLToPath(new URL('../..', import.meta.url))

interface Node {
  readonly _zod: { readonly def: Record<string, unknown> & { readonly type: string } }
}

/** Dotted key paths of a schema (`[]` for a list item); `ref` inside a secret reference is its parent's. */
function keyPaths(schema: Node, path = '', out: string[] = []): string[] {
  const def = schema._zod.def
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'nonoptional':
    case 'catch':
      return keyPaths(def.innerType as Node, path, out)
    case 'pipe':
      return keyPaths(def.in as Node, path, out)
    case 'array':
      return keyPaths(def.element as Node, `${path}[]`, out)
    case 'union':
      for (const option of def.options as Node[]) keyPaths(option, path, out)
      return out
    case 'object':
      for (const [key, value] of Object.entries(def.shape as Record<string, Node>)) {
        if (key === 'ref') continue
        const child = path === '' ? key : `${path}.${key}`
        if (!out.includes(child)) out.push(child)
        keyPaths(value, child, out)
      }
      return out
    default:
      return out
  }
}

/** The keys with no row (`| \`key\` | …`) in the reference. */
function undocumented(keys: readonly string[], reference: string): string[] {
  const rows = new Set([...reference.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]))
  return keys.filter((k) => !rows.has(k))
}

describe('config keys', () => {
  const keys = keyPaths(configSchema as unknown as Node)

  it('are read from the schema, nested objects and lists included', () => {
    expect(keys).toContain('server.port')
    expect(keys).toContain('server.tls.mtls')
    expect(keys).toContain('routes[].access.rules[].allowDirectMessages')
    expect(keys).toContain('sources[].signature.encoding')
    expect(keys).not.toContain('slack.signingSecrets[].ref')
  })

  it('are each a row of the table in docs/configuration.md', () => {
    const reference = readFileSync(join(root, 'docs', 'configuration.md'), 'utf8')
    expect(undocumented(keys, reference)).toEqual([])
  })

  it('a key missing from the table is reported', () => {
    const schema = z.strictObject({ a: z.strictObject({ b: z.number().default(1), c: z.array(z.strictObject({ d: z.string() })).optional() }) })
    const found = keyPaths(schema as unknown as Node)
    expect(found).toEqual(['a', 'a.b', 'a.c', 'a.c[].d'])
    expect(undocumented(found, '| `a` | |\n| `a.b` | 1 |\nmentions `a.c` in passing\n| `a.c[].d` | |\n')).toEqual(['a.c'])
  })
})
