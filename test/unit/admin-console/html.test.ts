import { describe, expect, it } from 'vitest'
import { escapeHtml, html, raw, SafeHtml, url } from '../../../src/admin/console/html.js'

const PAYLOADS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "' onmouseover='alert(1)", '`onfocus=alert(1)`', '&lt;already', '</textarea><svg onload=alert(1)>']

describe('html`…`', () => {
  it('escapes every interpolated value in text and quoted attributes', () => {
    for (const p of PAYLOADS) {
      const out = html`<div title="${p}" data-x='${p}'>${p}</div>`.toString()
      expect(out).not.toMatch(/<(script|img|svg)/)
      // The only quotes left are the template's own four.
      expect(out.match(/["']/g)).toHaveLength(4)
      expect(out).not.toContain('`')
      expect(out).toContain(escapeHtml(p))
    }
    expect(escapeHtml(`&<>"'\``)).toBe('&amp;&lt;&gt;&quot;&#39;&#96;')
  })

  it('inserts rendered fragments as they are, joins arrays and leaves out null, undefined and false', () => {
    const inner = html`<b>${'<i>'}</b>`
    expect(html`<p>${inner}${['a', html`<br>`, 'b<']}${null}${undefined}${false}${0}</p>`.toString()).toBe('<p><b>&lt;i&gt;</b>a<br>b&lt;0</p>')
  })

  it('raw() takes only a fragment: a string is a type error and throws', () => {
    const body = html`<main></main>`
    expect(raw(body)).toBe(body)
    // @ts-expect-error a plain string can never be passed as raw
    expect(() => raw('<script>alert(1)</script>')).toThrow(TypeError)
    // @ts-expect-error nor an object that looks like a fragment
    expect(() => raw({ toString: () => '<script>' })).toThrow(TypeError)
    expect(() => SafeHtml.of('<script>', Symbol('mint'))).toThrow(TypeError)
  })
})

describe('url()', () => {
  it('encodes each query value, leaves out empty ones and repeats arrays', () => {
    expect(url('/admin/requests', { team: 'T1', q: 'a&b=c "d"', empty: '', none: undefined, list: ['x', 'y z'] })).toBe(
      '/admin/requests?team=T1&q=a%26b%3Dc%20%22d%22&list=x&list=y%20z',
    )
    expect(url('/admin/jobs')).toBe('/admin/jobs')
  })

  it('refuses anything but a path on this site (no scheme, no //host)', () => {
    for (const bad of ['javascript:alert(1)', '//evil.example/', 'https://evil.example/', '/\\evil', 'admin', '/a b']) {
      expect(() => url(bad)).toThrow(TypeError)
    }
  })

  it('is inert when interpolated into an attribute', () => {
    const out = html`<a href="${url('/admin/requests', { team: '"><script>' })}">x</a>`.toString()
    expect(out).toBe('<a href="/admin/requests?team=%22%3E%3Cscript%3E">x</a>')
  })
})
