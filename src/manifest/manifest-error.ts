/**
 * A config the app manifest cannot express: `at` is the dotted path of the offending key
 * (`step.inputs.amount.pattern`), inside the route `route` names when one does. Carries no
 * secret: the manifest is built from routes and install settings only.
 */
export class ManifestError extends Error {
  override readonly name = 'ManifestError'
  constructor(
    readonly at: string,
    reason: string,
    readonly route?: string,
  ) {
    super(`${route === undefined ? '' : `route ${route}: `}${at}: ${reason}`)
  }
}
