import { z } from 'zod'
import { secretRefObject } from './secret-ref-schema.js'

/** `sqlite` (the embedded database), `sqlite:PATH` or `postgres://…` (several gateway instances). */
const vaultStoreUrl = z.string().regex(/^(sqlite(:.+)?|postgres(ql)?:\/\/.+)$/, 'must be sqlite, sqlite:PATH or postgres://user@host:port/db')

/**
 * The token vault (docs/vault.md): where installations are kept, and the master key their
 * data key is wrapped under. Without `masterKey`, the key file `vault-master-key` in the data
 * directory (`slackgate keys vault-init` makes it).
 */
export const vaultSchema = z.strictObject({
  store: vaultStoreUrl.default('sqlite'),
  /** 32 random bytes in base64, by reference: `{ ref: env:SLACKGATE_MASTER_KEY }`. */
  masterKey: secretRefObject({}).optional(),
})

export type VaultConfigFile = z.output<typeof vaultSchema>
