import type { StoredKey } from '../../../keys/key-file.js'
import { html, type SafeHtml } from '../html.js'
import { canOperate } from '../layout.js'
import { badge, postForm, row, table, time, VIEWER_NOTE } from './common.js'

/** A signing key as the page shows it: never its JWK (which holds the private key). */
export type KeySummary = Pick<StoredKey, 'kid' | 'alg' | 'createdAt' | 'retireAt'>

export interface KeysPageData {
  readonly keys: readonly KeySummary[]
  /** `tokens.keys` supplies the keys: they are rotated in the config, not here. */
  readonly supplied: boolean
  readonly now: number
  readonly role: string
  readonly csrfToken: string
}

/** As `slackgate keys list` states it: signing, published until the grace ends, or retired. */
export function keyState(key: KeySummary, now: number): { readonly state: 'signing' | 'published' | 'retired'; readonly until?: string } {
  if (key.retireAt === undefined) return { state: 'signing' }
  return Date.parse(key.retireAt) > now ? { state: 'published', until: key.retireAt } : { state: 'retired' }
}

/** The Keys page: the gateway's token-signing keys, and for operators a rotate form. */
export function renderKeys(data: KeysPageData): SafeHtml {
  const operate = canOperate(data.role)
  if (data.supplied) return html`<p class="notice">The config file supplies the signing keys (<code>tokens.keys</code>): rotate them there, listing the new key first.</p>`
  const rows = data.keys.map((k) => {
    const s = keyState(k, data.now)
    return row([html`<code>${k.kid}</code>`, k.alg, html`${badge(s.state)}${s.until === undefined ? '' : html` <span class="muted">until ${time(Date.parse(s.until))}</span>`}`, time(Date.parse(k.createdAt))])
  })
  const rotate = postForm({
    action: '/admin/keys/rotate',
    csrfToken: data.csrfToken,
    label: 'Rotate signing key',
    confirm: 'Sign with a new key from now on? The current one stays published for the grace period.',
  })
  return html`${operate ? html`<div class="toolbar">${rotate}</div>` : VIEWER_NOTE}${table(['Key id', 'Algorithm', 'State', 'Created'], rows, 'No signing keys yet: the gateway creates one at its first start.')}`
}
