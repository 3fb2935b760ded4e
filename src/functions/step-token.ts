import { open, seal } from '../vault/envelope.js'
import { StepError } from './errors.js'

/**
 * How long Slack's token of a custom step lasts: about 15 minutes from the step's start, or
 * until the step is completed. The gateway counts from when it received the step.
 */
export const STEP_TOKEN_LIFETIME_MS = 15 * 60_000

/** A step's `bot_access_token` as a job carries it: sealed, with the instant it stops working. */
export interface SealedStepToken {
  readonly sealed: string
  /** Milliseconds since the epoch. */
  readonly expiresAt: number
}

/** Seals and opens step tokens under one key (see step-token-key.ts). */
export interface StepTokens {
  seal(token: string, executionId: string, expiresAt: number): SealedStepToken
  /** The token; `step_token_unreadable` when it was sealed under another key, altered, or moved to another step. */
  open(sealed: SealedStepToken, executionId: string): string
}

/**
 * AES-256-GCM under the step-token key, bound to the step's execution id and expiry: a sealed
 * token copied into another job, or given a later expiry, does not open.
 *
 * @example
 * const tokens = createStepTokens(key)
 * const sealed = tokens.seal('xwfp-…', 'Fx123', Date.now() + STEP_TOKEN_LIFETIME_MS)
 * tokens.open(sealed, 'Fx123') // 'xwfp-…'
 */
export function createStepTokens(key: Buffer): StepTokens {
  if (key.length !== 32) throw new TypeError('a step-token key is 32 bytes')
  return {
    seal(token, executionId, expiresAt) {
      return { sealed: seal(key, Buffer.from(token, 'utf8'), aad(executionId, expiresAt)), expiresAt }
    },
    open(sealed, executionId) {
      const plain = open(key, sealed.sealed, aad(executionId, sealed.expiresAt))
      if (plain === undefined) throw new StepError('step_token_unreadable', `the token of step ${executionId} does not open: sealed under another key, or altered`)
      return plain.toString('utf8')
    },
  }
}

function aad(executionId: string, expiresAt: number): Buffer {
  return Buffer.from(`slackgate/step-token/v1\0${executionId}\0${expiresAt}`, 'utf8')
}
