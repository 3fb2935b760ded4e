import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { waitFor } from '../contract/job-queue.contract.js'
import { runCli, startGateway, type RunningGateway } from '../helpers/cli.js'
import { freePort } from '../helpers/redis-server.js'

const examples = fileURLToPath(new URL('../../examples/', import.meta.url))
const children: Array<{ stop(signal: NodeJS.Signals): unknown }> = []
afterAll(async () => {
  for (const c of children) await c.stop('SIGKILL')
})

describe('examples/ (as the README runs them)', () => {
  it('the command reaches the SDK handler and the event reaches the internal service', async () => {
    const port = await freePort()
    let serviceOut = ''
    const service: ChildProcess = spawn(process.execPath, [join(examples, 'internal-service.mjs')], { env: { ...process.env, PORT: String(port) } })
    children.push({ stop: (s) => service.kill(s) })
    service.stdout?.on('data', (c: Buffer) => (serviceOut += c.toString()))
    await waitFor(() => serviceOut.includes('listening'))

    // The example config, pointed at this test's port and data directory.
    const dir = mkdtempSync(join(tmpdir(), 'slackgate-examples-'))
    const yaml = readFileSync(join(examples, 'slackgate.yaml'), 'utf8')
      .replace('http://127.0.0.1:4000', `http://127.0.0.1:${port}`)
      .replace('./handlers.ts', join(examples, 'handlers.ts'))
      .replace('dataDir: ../data', `dataDir: ${join(dir, 'data')}`)
    writeFileSync(join(dir, 'slackgate.yaml'), yaml)
    const gateway: RunningGateway = await startGateway('dev', { cwd: dir, args: ['--config', join(dir, 'slackgate.yaml')] })
    children.push(gateway)

    const env = { SLACKGATE_DATA_DIR: join(dir, 'data') }
    const command = runCli(['sign', '--command', '/deploy', '--text', 'billing', '--format', 'json', '--url', gateway.url], { cwd: dir, env })
    const event = runCli(['sign', '--event', 'app_mention', '--format', 'json', '--url', gateway.url], { cwd: dir, env })
    for (const out of [command, event]) {
      const req = JSON.parse(out.stdout) as { url: string; headers: Record<string, string>; body: string }
      expect((await fetch(req.url, { method: 'POST', headers: req.headers, body: req.body })).status).toBe(200)
    }
    await waitFor(() => gateway.output().includes('"msg":"deploy requested"') && serviceOut.includes('"received"'), 15_000)
    expect(gateway.output()).toMatch(/"target":"billing".*"msg":"deploy requested"/)
    expect(serviceOut).toMatch(/"route":"mentions","kind":"event","type":"app_mention"/)
  })
})
