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
    const gatewayPort = await freePort()
    let serviceOut = ''
    // The service verifies each forward's token against the gateway's JWKS.
    const serviceEnv = { ...process.env, PORT: String(port), SLACKGATE_URL: `http://127.0.0.1:${gatewayPort}` }
    const service: ChildProcess = spawn(process.execPath, [join(examples, 'internal-service.mjs')], { env: serviceEnv })
    children.push({ stop: (s) => service.kill(s) })
    service.stdout?.on('data', (c: Buffer) => (serviceOut += c.toString()))
    await waitFor(() => serviceOut.includes('listening'))

    // The example config, pointed at this test's port and data directory.
    const dir = mkdtempSync(join(tmpdir(), 'slackgate-examples-'))
    const yaml = readFileSync(join(examples, 'slackgate.yaml'), 'utf8')
      .replace('http://127.0.0.1:4000', `http://127.0.0.1:${port}`)
      .replaceAll('./handlers.ts', join(examples, 'handlers.ts'))
      .replace('dataDir: ../data', `dataDir: ${join(dir, 'data')}`)
    writeFileSync(join(dir, 'slackgate.yaml'), yaml)
    const gateway: RunningGateway = await startGateway('dev', { cwd: dir, args: ['--config', join(dir, 'slackgate.yaml')], env: { PORT: String(gatewayPort) } })
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
    expect(serviceOut).toMatch(/"route":"mentions","kind":"event","type":"app_mention",.*"verified":true/)

    // Without the gateway's token the service refuses, and the gateway's own forward went through.
    const forged = await fetch(`http://127.0.0.1:${port}/slack/mentions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    expect(forged.status).toBe(401)
    expect(await forged.json()).toEqual({ error: 'missing_token' })
  })

  it("the README's real Slack app step starts a gateway with routes, which says nothing of dropping requests", async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    const step = readme.slice(readme.indexOf('For a real Slack app'))
    const line = /^SLACK_SIGNING_SECRET=\.\.\. npx --no-install slackgate (start .*?)\s+#/m.exec(step)?.[1]
    expect(line).toMatch(/^start --config \S+$/)
    const args = (line as string).split(' ').slice(1)
    const dir = mkdtempSync(join(tmpdir(), 'slackgate-readme-start-'))
    const gateway = await startGateway('start', {
      cwd: fileURLToPath(new URL('../../', import.meta.url)),
      args,
      env: { SLACK_SIGNING_SECRET: 'a'.repeat(32), SLACKGATE_DATA_DIR: dir, HOST: '127.0.0.1' },
    })
    children.push(gateway)
    expect(gateway.output()).toMatch(/"routes":[1-9]/)
    expect(gateway.output()).not.toContain('no routes')
  })
})
