import { chmodSync, mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { testApp } from '../helpers/app.js'

async function startWith(dataDirMode: number) {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'slackgate-datadir-')), 'data')
  mkdirSync(dataDir)
  chmodSync(dataDir, dataDirMode)
  const t = await testApp({ dataDir })
  await t.close()
  const warnings = t.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'the data directory is readable by others')
  return { dataDir, warnings }
}

describe('the data directory at start', () => {
  it('warns once when others may read it, naming the directory, its mode and the fix', async () => {
    const { dataDir, warnings } = await startWith(0o755)
    expect(warnings).toEqual([expect.objectContaining({ level: 40, dataDir, mode: '755', fix: `chmod 700 ${dataDir}` })])
  })

  it('says nothing when it is private', async () => {
    expect((await startWith(0o700)).warnings).toEqual([])
  })
})
