#!/usr/bin/env node
// The files the build ships beside the compiled code that tsc does not copy: the admin
// console's stylesheet and script (served from dist/admin/console/assets).
import { cpSync } from 'node:fs'

const root = new URL('..', import.meta.url)
cpSync(new URL('src/admin/console/assets/', root), new URL('dist/admin/console/assets/', root), { recursive: true })
