/** A usage or input error: printed as one line, exit status 2. */
export class CliError extends Error {
  override readonly name = 'CliError'
}
