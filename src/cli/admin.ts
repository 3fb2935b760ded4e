import { createInterface } from 'node:readline'
import { Writable } from 'node:stream'
import { hashPassword, passwordLengthProblem } from '../admin/security/password.js'
import { CliError } from './cli-error.js'

/** The terminal or pipe the password comes from, and where prompts and hints go (never stdout). */
export interface PasswordIo {
  readonly input: NodeJS.ReadableStream & { readonly isTTY?: boolean }
  readonly prompts: NodeJS.WritableStream
}

/**
 * `slackgate admin hash-password`: reads a password (typed, not echoed, twice; or the first
 * line of a pipe) and returns its scrypt hash for `admin.users[].passwordHash`. The password
 * itself is never printed, not even in an error.
 *
 * @example
 * process.stdout.write(`${await hashPasswordCommand({ input: process.stdin, prompts: process.stderr })}\n`)
 */
export async function hashPasswordCommand(io: PasswordIo): Promise<string> {
  const typed = io.input.isTTY === true
  const password = typed ? await readHidden(io, 'Password: ') : await readFirstLine(io.input)
  const problem = passwordLengthProblem(password)
  if (problem !== undefined) throw new CliError(`${problem}; nothing was hashed`)
  if (typed && (await readHidden(io, 'Again: ')) !== password) throw new CliError('the two passwords differ; nothing was hashed')
  const encoded = await hashPassword(password)
  io.prompts.write(
    [
      'Put the line printed on stdout in the config, quoted, as a user of the console:',
      '  admin:',
      '    users:',
      '      - { name: alice, role: operator, passwordHash: "scrypt$17$..." }',
      '',
    ].join('\n'),
  )
  return encoded
}

/** One line typed on the terminal, echoing nothing (the prompt goes to `prompts`, the keystrokes nowhere). */
function readHidden(io: PasswordIo, prompt: string): Promise<string> {
  io.prompts.write(prompt)
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() })
  const rl = createInterface({ input: io.input, output: muted, terminal: true })
  return new Promise((resolve, reject) => {
    rl.once('line', (line) => {
      io.prompts.write('\n')
      rl.close()
      resolve(line)
    })
    // Ctrl-C in raw mode reaches readline, not the process.
    rl.once('SIGINT', () => {
      rl.close()
      reject(new CliError('cancelled'))
    })
  })
}

/** The first line of a pipe (without its line ending); empty when the input is. */
function readFirstLine(input: NodeJS.ReadableStream): Promise<string> {
  const rl = createInterface({ input, terminal: false, crlfDelay: Infinity })
  return new Promise((resolve) => {
    let first: string | undefined
    rl.once('line', (line) => {
      first = line
      rl.close()
    })
    rl.once('close', () => resolve(first ?? ''))
  })
}
