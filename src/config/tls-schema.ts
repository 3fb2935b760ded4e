import { z } from 'zod'
import { parseAddressRange } from '../verify/address-list.js'
import { SLACK_CLIENT_CERTIFICATE_NAME } from '../verify/tls-errors.js'
import { secretRefSchema } from './secret-ref-schema.js'

/** The header a TLS-terminating proxy sets to the verified client certificate's SAN (Slack's docs name it). */
export const DEFAULT_PROXY_HEADER = 'x-client-certificate-san'

// PEM text is never inlined: a certificate is public, but its key is not, and one rule for
// all three keeps a key from being pasted where a certificate was expected.
const pemRef = z.strictObject(
  { ref: secretRefSchema },
  { error: (issue) => (issue.code === 'invalid_type' ? 'must be { ref: env:NAME or file:PATH }, never the PEM text itself' : undefined) },
)

/** A lowercase DNS name, as a certificate's SAN states it: no wildcard, no trailing dot. */
const dnsName = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/, 'a lowercase DNS name, without wildcard or trailing dot')

const addressOrRange = z.string().superRefine((s, ctx) => {
  const range = parseAddressRange(s)
  if (!range.ok) ctx.addIssue({ code: 'custom', message: range.message })
})

/** `server.tls`: the gateway terminates TLS itself, and may require Slack's client certificate. */
export const tlsSchema = z
  .strictObject({
    /** The server certificate (chain), PEM. */
    cert: pemRef,
    /** Its private key, PEM. */
    key: pemRef,
    /** The CA bundle client certificates must chain to, PEM; required with `mtls: required`. */
    ca: pemRef.optional(),
    minVersion: z.enum(['TLSv1.2', 'TLSv1.3'], { error: 'must be TLSv1.2 or TLSv1.3: older versions are refused' }).default('TLSv1.2'),
    /** `required`: a Slack route answers 401 unless the client certificate verifies and names `clientCertificateName`. */
    mtls: z.enum(['off', 'required']).default('off'),
    clientCertificateName: dnsName.default(SLACK_CLIENT_CERTIFICATE_NAME),
  })
  .refine((t) => t.mtls !== 'required' || t.ca !== undefined, {
    message: 'mtls: required needs ca, the bundle client certificates must chain to',
    path: ['ca'],
  })

/** `server.trustedProxy`: a proxy in front terminates mutual TLS and passes the verified SAN on in a header. */
export const trustedProxySchema = z.strictObject({
  /** The proxies' addresses or CIDR ranges; the header from anywhere else is refused. */
  addresses: z.array(addressOrRange).min(1).max(100),
  header: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/, 'an HTTP header name')
    .transform((h) => h.toLowerCase())
    .default(DEFAULT_PROXY_HEADER),
  clientCertificateName: dnsName.default(SLACK_CLIENT_CERTIFICATE_NAME),
})

/** The keys `server` gains; spread into its shape. */
export const serverTlsShape = {
  tls: tlsSchema.optional(),
  trustedProxy: trustedProxySchema.optional(),
}

/** Who checks Slack's client certificate must be unambiguous: the gateway or the proxy, not both. */
export function refineServerTls(
  server: { readonly tls?: { readonly mtls: string } | undefined; readonly trustedProxy?: unknown },
  ctx: z.RefinementCtx,
): void {
  if (server.tls?.mtls === 'required' && server.trustedProxy !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['trustedProxy'],
      message: 'tls.mtls: required checks the client certificate here, trustedProxy trusts a proxy to have checked it: configure one of them',
    })
  }
}

export type TlsSettings = z.output<typeof tlsSchema>
export type TrustedProxySettings = z.output<typeof trustedProxySchema>
