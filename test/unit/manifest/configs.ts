import { configSchema, type ConfigInput } from '../../../src/config/schema.js'
import type { ManifestSource } from '../../../src/manifest/app-manifest.js'

/** Routes and install settings as the config schema outputs them (defaults applied). */
export function source(input: Pick<ConfigInput, 'routes' | 'install'>): ManifestSource {
  const config = configSchema.parse({
    ...input,
    ...(input.install !== undefined && { slack: { clientId: '1111111111.2222222222', clientSecret: { ref: 'env:CLIENT_SECRET' } } }),
  })
  return { routes: config.routes, ...(config.install !== undefined && { install: config.install }) }
}

const target = { forward: { url: 'https://internal.example.com/slack' }, public: true } as const

/** Two custom steps, a command, events, an action, and the install flow. */
export const everything = source({
  install: { redirectUrl: 'https://gw.example.com/slack/oauth_redirect', scopes: { bot: ['commands', 'chat:write', 'app_mentions:read', 'im:history'], user: ['users:read'] } },
  routes: [
    {
      name: 'approve-expense',
      match: { function: 'approve_expense' },
      ...target,
      step: {
        title: 'Approve expense',
        description: 'Ask a manager to approve an expense',
        inputs: {
          type: 'object',
          properties: {
            amount: { type: 'number', title: 'Amount', description: 'In euros', minimum: 0 },
            requester: { type: 'string', title: 'Requester', 'x-slack-type': 'slack#/types/user_id', 'x-slack-hint': 'Who spent it' },
            note: { type: 'string', title: 'Note' },
          },
          required: ['amount', 'requester'],
        },
        outputs: { type: 'object', properties: { approved: { type: 'boolean', title: 'Approved' } }, required: ['approved'] },
      },
    },
    { name: 'archive', match: { function: 'archive_channel' }, ...target },
    { name: 'deploy', match: { command: '/deploy' }, description: 'Deploy a service', ...target },
    { name: 'status', match: { command: '/status' }, ...target },
    { name: 'mentions', match: { event: 'app_mention' }, ...target },
    { name: 'dms', match: { event: 'message.im' }, ...target },
    { name: 'approve-button', match: { action: 'approve' }, ...target },
    { name: 'ci', match: { workflow: 'ci' }, forward: { url: 'https://internal.example.com/ci' }, jwt: { algorithms: ['HS256'], secret: { ref: 'env:CI_SECRET' } }, public: true },
  ],
})
