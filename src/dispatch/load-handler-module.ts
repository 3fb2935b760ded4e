import { pathToFileURL } from 'node:url'
import { isHandlerModule, type HandlerModule } from './sdk.js'

/**
 * Imports a handler module by absolute path. TypeScript files are compiled on load (tsx);
 * JavaScript is imported as is. The default export must come from `defineHandlers`.
 */
export async function loadHandlerModule(path: string): Promise<HandlerModule> {
  let mod: { default?: unknown }
  if (/\.(c|m)?tsx?$/.test(path)) {
    const { tsImport } = await import('tsx/esm/api')
    mod = (await tsImport(pathToFileURL(path).href, import.meta.url)) as { default?: unknown }
  } else {
    mod = (await import(pathToFileURL(path).href)) as { default?: unknown }
  }
  // tsx may wrap a CommonJS-compiled module's exports once more.
  const candidate = isHandlerModule(mod.default) ? mod.default : (mod.default as { default?: unknown } | undefined)?.default
  if (!isHandlerModule(candidate)) {
    throw new TypeError(`${path}: the default export must be defineHandlers(...) from 'slackgate'`)
  }
  return candidate
}
