import { Ajv2020 } from 'ajv/dist/2020.js'

/** Checks a decoded body against an endpoint's JSON Schema; `detail` says where it failed. */
export type BodyValidator = (body: unknown) => { readonly ok: true } | { readonly ok: false; readonly detail: string }

// One compiler for every endpoint: strict mode refuses schemas with unknown keywords, so a
// misspelt constraint is a startup error instead of a check that silently never runs.
const ajv = new Ajv2020({ strict: true, allErrors: false, coerceTypes: false, useDefaults: false, removeAdditional: false })
// A custom step's property names its Slack type and its Workflow Builder hint for the app
// manifest (see manifest/slack-parameters.ts): annotations, which check nothing.
ajv.addKeyword({ keyword: 'x-slack-type', schemaType: 'string' })
ajv.addKeyword({ keyword: 'x-slack-hint', schemaType: 'string' })

/**
 * Compiles an endpoint's body schema (JSON Schema 2020-12) once, at startup. Throws if the
 * schema itself is invalid. The validator never changes the body (no defaults, no coercion).
 */
export function compileBodySchema(schema: Readonly<Record<string, unknown>>): BodyValidator {
  const validate = ajv.compile(schema)
  return (body) => {
    if (validate(body)) return { ok: true }
    const first = validate.errors?.[0]
    const at = first?.instancePath === '' || first?.instancePath === undefined ? 'body' : `body${first.instancePath}`
    return { ok: false, detail: `${at} ${first?.message ?? 'does not match the schema'}` }
  }
}
