/** The screen's side of branding (issue #15): only checked shapes reach `src` and `--accent`. */
import { describe, expect, it } from 'vitest'
import { accentStyle, brandOf, isolate } from '../../../renderer/brand/brand'

const view = { name: 'Northwind TV', dialect: 'oauth2' }

describe('brandOf', () => {
  it('keeps a data: PNG/JPEG/WebP logo and a #rrggbb accent', () => {
    const brand = brandOf({ ...view, logo: 'data:image/png;base64,iVBORw0KGgo=', accent: '#ffb454' })
    expect(brand).toEqual({ name: 'Northwind TV', dialect: 'oauth2', logo: 'data:image/png;base64,iVBORw0KGgo=', accent: '#ffb454' })
    expect(accentStyle(brand)).toEqual({ '--accent': '#ffb454' })
  })
  it('drops anything else: remote or SVG logos, colours that are not #rrggbb', () => {
    for (const logo of ['https://example.com/logo.png', 'data:image/svg+xml;base64,PHN2Zz4=', 'javascript:alert(1)', 'data:image/png;base64,"><script>']) {
      expect(brandOf({ ...view, logo }).logo).toBeNull()
    }
    for (const accent of ['red', '#fff', 'url(x)', '#12345g', 'var(--bg)']) expect(brandOf({ ...view, accent }).accent).toBeNull()
    expect(accentStyle(brandOf(view))).toBeUndefined()
  })
})

describe('isolate', () => {
  it('wraps a right-to-left name in first-strong isolates, and leaves others alone', () => {
    expect(isolate('שירות הטלוויזיה')).toBe('\u2068שירות הטלוויזיה\u2069')
    expect(isolate('تلفزيون')).toBe('\u2068تلفزيون\u2069')
    expect(isolate('Northwind TV')).toBe('Northwind TV')
  })
})
