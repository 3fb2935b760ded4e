import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { FastifyInstance } from 'fastify'
import { SECURITY_HEADERS } from '../security/headers.js'

/** The console's only stylesheet and script: files, since the policy allows nothing inline. */
const ASSETS = [
  ['console.css', 'text/css; charset=utf-8'],
  ['console.js', 'text/javascript; charset=utf-8'],
] as const

// Their URLs carry no version: a browser keeps them a few minutes, then asks again (a 304 when
// unchanged), so a new release's assets are in use within minutes.
const CACHE_CONTROL = 'public, max-age=300, must-revalidate'

/**
 * GET /admin/assets/console.css and console.js, read once at start: with their content
 * types, the security headers (nosniff: a script is run only as one), an ETag and a short
 * cache life. Public: the sign-in page uses them.
 *
 * @example
 * await assetRoutes(instance)
 */
export async function assetRoutes(app: FastifyInstance): Promise<void> {
  for (const [name, type] of ASSETS) {
    const body = await readAsset(name)
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`
    app.get(`/assets/${name}`, { config: { consoleAccess: 'public' } }, async (request, reply) => {
      reply.headers(SECURITY_HEADERS).header('cache-control', CACHE_CONTROL).header('etag', etag)
      if (request.headers['if-none-match'] === etag) return reply.code(304).send()
      return reply.type(type).send(body)
    })
  }
}

/** An asset beside the rendering layer: src/admin/console/assets, copied into dist/ by the build (scripts/copy-assets.mjs). */
async function readAsset(name: string): Promise<Buffer> {
  try {
    return await readFile(new URL(`../console/assets/${name}`, import.meta.url))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    throw new Error(`the admin console's ${name} is missing beside the code (admin/console/assets): rebuild with npm run build`)
  }
}
