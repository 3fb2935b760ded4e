import { readFileSync } from 'node:fs'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { describe, expect, it } from 'vitest'
import { appManifest } from '../../../src/manifest/app-manifest.js'
import { everything, source } from './configs.js'

// The fixture is written from Slack's app manifest reference (see its $comment): each
// generated manifest must pass it, and it must refuse what the reference does not list.
const schema = JSON.parse(readFileSync(new URL('../../fixtures/slack-manifest.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema)
const errors = (manifest: unknown) => (validate(manifest) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`))

const options = { url: 'https://gw.example.com', name: 'slackgate' }
const target = { forward: { url: 'https://internal.example.com/slack' }, public: true } as const

describe('generated manifests against Slack’s manifest reference', () => {
  it.each([
    ['two custom steps, commands, events, an action and the install flow', everything],
    ['a command alone', source({ routes: [{ name: 'deploy', match: { command: '/deploy' }, ...target }] })],
    ['events alone', source({ routes: [{ name: 'mentions', match: { event: 'app_mention' }, ...target }] })],
    ['no route at all', source({ routes: [] })],
    [
      'a step with every Slack type and nested parameters',
      source({
        routes: [
          {
            name: 'typed',
            match: { function: 'typed' },
            ...target,
            step: {
              title: 'Typed',
              inputs: {
                type: 'object',
                properties: {
                  who: { type: 'string', 'x-slack-type': 'slack#/types/user_id', 'x-slack-hint': 'Select a user in the workspace' },
                  where: { type: 'string', 'x-slack-type': 'slack#/types/channel_id' },
                  when: { type: 'integer', 'x-slack-type': 'slack#/types/timestamp' },
                  text: { type: 'object', 'x-slack-type': 'slack#/types/rich_text' },
                  form: { 'x-slack-type': 'slack#/types/interactivity' },
                  tags: { type: 'array', items: { type: 'string', enum: ['a', 'b'] }, minItems: 1 },
                  cost: { type: 'object', properties: { total: { type: 'number', maximum: 10, 'x-slack-hint': 'In euros' } }, required: ['total'], additionalProperties: false },
                },
                required: ['who'],
              },
              outputs: { type: 'object', properties: { ok: { type: 'boolean', default: false } } },
            },
          },
        ],
      }),
    ],
  ])('%s passes', (_what, config) => {
    expect(errors(appManifest(config, options))).toEqual([])
    expect(errors(appManifest(config, { ...options, name: 'x'.repeat(35), tokenRotation: true }))).toEqual([])
  })

  it('refuses a misspelt field, a name over 35 characters, a command description over 2000, an http request URL', () => {
    const manifest = JSON.parse(JSON.stringify(appManifest(everything, options))) as Record<string, Record<string, unknown>>
    const settings = manifest.settings as Record<string, unknown>
    expect(errors({ ...manifest, settings: { ...settings, interactivty: settings.interactivity } })).toEqual(['/settings must NOT have additional properties'])
    expect(errors({ ...manifest, display_information: { name: 'x'.repeat(36) } })).toEqual(['/display_information/name must NOT have more than 35 characters'])
    const command = { command: '/deploy', description: 'd'.repeat(2001) }
    expect(errors({ ...manifest, features: { ...manifest.features, slash_commands: [command] } })).toEqual(['/features/slash_commands/0/description must NOT have more than 2000 characters'])
    expect(errors({ ...manifest, settings: { ...settings, event_subscriptions: { request_url: 'http://gw.example.com/slack/events' } } })).toEqual([
      '/settings/event_subscriptions/request_url must match pattern "^https://[^\\s/?#]+(/\\S*)?$"',
    ])
  })

  it('refuses a function without a description, a parameter of a type Slack does not document, and one without name or is_required', () => {
    const manifest = appManifest(everything, options)
    const step = manifest.functions?.approve_expense
    expect(step).toBeDefined()
    const { description: _dropped, ...undescribed } = step as NonNullable<typeof step>
    expect(errors({ ...manifest, functions: { approve_expense: undescribed } })).toEqual(["/functions/approve_expense must have required property 'description'"])
    const mistyped = { ...step, input_parameters: { who: { type: 'slack#/types/person', name: 'who', is_required: true } } }
    expect(errors({ ...manifest, functions: { approve_expense: mistyped } })).toEqual(['/functions/approve_expense/input_parameters/who/type must be equal to one of the allowed values'])
    const unnamed = { ...step, input_parameters: { who: { type: 'slack#/types/user_id', is_required: true } } }
    expect(errors({ ...manifest, functions: { approve_expense: unnamed } })).toEqual(["/functions/approve_expense/input_parameters/who must have required property 'name'"])
    const nested = { ...step, output_parameters: { cost: { type: 'object', name: 'cost', is_required: false, properties: { total: { type: 'number', is_required: true } } } } }
    expect(errors({ ...manifest, functions: { approve_expense: nested } })).toEqual(['/functions/approve_expense/output_parameters/cost/properties/total must NOT have unevaluated properties'])
    // The Deno SDK's TypeScript form, which the manifest does not take.
    const wrapped = { ...step, input_parameters: { properties: { who: { type: 'slack#/types/user_id' } }, required: ['who'] } }
    expect(errors({ ...manifest, functions: { approve_expense: wrapped } })).toContain('/functions/approve_expense/input_parameters/required must be object')
  })
})
