// `node --import <this file>`: appends the URL of every module the process resolves through
// the ESM loader to the file named by RECORD_IMPORTS_FILE (Node 20.6+ and 24: module.register).
import { register } from 'node:module'

register('./record-imports-hooks.mjs', import.meta.url, { data: { file: process.env.RECORD_IMPORTS_FILE } })
