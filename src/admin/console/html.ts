/**
 * Escaped HTML by construction. Every value interpolated into `html\`…\`` is escaped for
 * both text and quoted-attribute contexts (OWASP XSS prevention, rules 1 and 2), unless it is
 * itself a rendered fragment: a `SafeHtml`, which only this module can make. A plain string
 * can never reach the page unescaped, not even through `raw()`.
 */

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
}

/** Escapes `& < > " '` and backtick (old IE took it as an attribute quote). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c] as string)
}

/** A rendered fragment. The private field is the brand: no object literal or string fits it. */
export class SafeHtml {
  readonly #text: string
  private constructor(text: string) {
    this.#text = text
  }
  /** Only `html` and `raw` mint fragments. */
  static of(text: string, key: symbol): SafeHtml {
    if (key !== MINT) throw new TypeError('SafeHtml is made by html`…`, never from a string')
    return new SafeHtml(text)
  }
  toString(): string {
    return this.#text
  }
}

const MINT = Symbol('mint')

/** What may be interpolated: fragments go in as they are, everything else is escaped. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[]

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return ''
  if (value instanceof SafeHtml) return value.toString()
  if (Array.isArray(value)) return value.map(render).join('')
  return escapeHtml(String(value))
}

/**
 * The only way to write markup. Attributes must be quoted (`href="${x}"`): escaping keeps a
 * quoted value inside its quotes, but nothing can keep an unquoted one in place.
 *
 * @example
 * html`<td title="${team}">${team}</td>` // team '<script>' comes out as &lt;script&gt;
 */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let out = strings[0] ?? ''
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '')
  })
  return SafeHtml.of(out, MINT)
}

/**
 * Marks a fragment rendered elsewhere (a page body handed to the layout) as markup. It takes
 * only `SafeHtml`, so a string is a type error, and throws on one at run time (a cast).
 */
export function raw(fragment: SafeHtml): SafeHtml {
  if (!(fragment instanceof SafeHtml)) throw new TypeError('raw() takes a rendered fragment, never a string')
  return fragment
}

/** Query values: absent and empty ones are left out; arrays repeat the key. */
export type QueryValues = Readonly<Record<string, string | number | boolean | readonly string[] | undefined>>

/**
 * A same-site href: a path under `/` (never `//host` or a scheme, so never `javascript:`)
 * with each query value encoded by `encodeURIComponent`. Interpolate the result: it is a
 * plain string, escaped in the attribute like any other.
 *
 * @example
 * url('/admin/requests', { team: 'T1', verdict: 'denied' }) // '/admin/requests?team=T1&verdict=denied'
 */
export function url(path: string, query: QueryValues = {}): string {
  if (!/^\/(?![/\\])[^\s?#]*$/.test(path)) throw new TypeError(`url() takes a path on this site, got ${JSON.stringify(path)}`)
  const pairs: string[] = []
  for (const [key, value] of Object.entries(query)) {
    const list = Array.isArray(value) ? value : [value]
    for (const v of list as ReadonlyArray<string | number | boolean | undefined>) {
      if (v === undefined || v === '' || v === false) continue
      pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(v))}`)
    }
  }
  return pairs.length === 0 ? path : `${path}?${pairs.join('&')}`
}
