import type { ResponseMessage } from './sdk.js'

/** Slack's response_url host: `respond()` posts nowhere else. */
const RESPONSE_HOST = 'hooks.slack.com'

/**
 * Posts a message to a request's response_url. Only `https://hooks.slack.com/…` is accepted:
 * the URL comes from the payload, and a gateway must never be made to POST elsewhere.
 */
export async function respondTo(responseUrl: string | undefined, message: ResponseMessage | string, doFetch: typeof fetch): Promise<void> {
  if (responseUrl === undefined) throw new Error('this request has no response_url')
  let url: URL
  try {
    url = new URL(responseUrl)
  } catch {
    throw new Error('response_url is not a URL')
  }
  if (url.protocol !== 'https:' || url.hostname !== RESPONSE_HOST || url.port !== '' || url.username !== '' || url.password !== '') {
    throw new Error(`response_url must be an https://${RESPONSE_HOST}/ URL`)
  }
  const body = typeof message === 'string' ? { text: message } : message
  const res = await doFetch(url, {
    method: 'POST',
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  await res.body?.cancel().catch(() => undefined)
  if (!res.ok) throw new Error(`response_url answered HTTP ${res.status}`)
}
