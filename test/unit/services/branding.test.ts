/**
 * Branding per provider (issue #15): a logo is a local PNG, JPEG or WebP file of bounded size,
 * handed over as a data URL; SVG, other files, huge files, URLs and missing files are refused
 * with a warning naming the provider. An accent must be a colour with 4.5:1 contrast.
 */
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../../electron/core/config'
import { MAX_LOGO_BYTES, SCREEN_BACKGROUND, checkAccent, checkLogo, contrastRatio, imageTypeOf, loadBranding } from '../../../electron/services/branding'
import { lazyDemo, providerEntries } from '../../../electron/services/providers'

const PNG_HEAD = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
const png = (size = 64) => Uint8Array.from({ length: size }, (_, i) => PNG_HEAD[i] ?? i % 251)
const webp = Uint8Array.from([...Buffer.from('RIFF'), 0, 0, 0, 0, ...Buffer.from('WEBPVP8 '), 1, 2, 3])
const svg = Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')

describe('checkLogo and imageTypeOf', () => {
  it('accepts PNG, JPEG and WebP by their magic bytes, as data URLs', () => {
    expect(imageTypeOf(png())).toBe('image/png')
    expect(imageTypeOf(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]))).toBe('image/jpeg')
    expect(imageTypeOf(webp)).toBe('image/webp')
    const logo = checkLogo(png())
    expect('url' in logo && logo.url.startsWith('data:image/png;base64,iVBORw0KGgo')).toBe(true)
  })
  it('refuses SVG (script and all), text and a file over the limit, saying why', () => {
    expect(checkLogo(svg)).toEqual({ problem: expect.stringMatching(/SVG/) })
    expect(checkLogo(Buffer.from('  <svg onload="alert(1)"/>'))).toEqual({ problem: expect.stringMatching(/SVG/) })
    expect(checkLogo(Buffer.from('hello, not an image'))).toEqual({ problem: expect.stringMatching(/not a PNG, JPEG or WebP/) })
    expect(checkLogo(png(MAX_LOGO_BYTES + 1))).toEqual({ problem: expect.stringMatching(/limit/) })
    expect('url' in checkLogo(png(MAX_LOGO_BYTES))).toBe(true)
  })
})

describe('checkAccent', () => {
  it('takes #rgb and #rrggbb with enough contrast against the background', () => {
    expect(checkAccent('#8FD3FF')).toEqual({ colour: '#8fd3ff' })
    expect(checkAccent('#fc0')).toEqual({ colour: '#ffcc00' })
    expect(contrastRatio('#ffffff', '#000000')).toBeCloseTo(21, 5)
  })
  it('ignores what is not a colour, or too dark to read on the background', () => {
    expect(checkAccent('blue-ish')).toEqual({ problem: expect.stringMatching(/not a colour/) })
    expect(checkAccent('url(https://x/y)')).toEqual({ problem: expect.stringMatching(/not a colour/) })
    expect(checkAccent('#1a1d22')).toEqual({ problem: expect.stringMatching(/contrast of 1\.\d+:1/) })
    expect(checkAccent('#0000ff')).toEqual({ problem: expect.stringMatching(/4\.5:1/) })
    expect(contrastRatio('#0000ff', SCREEN_BACKGROUND)).toBeLessThan(4.5)
  })
})

describe('loadBranding', () => {
  const dir = mkdtempSync(join(tmpdir(), 'linkscreen-branding-'))
  writeFileSync(join(dir, 'logo.png'), png(200))
  writeFileSync(join(dir, 'evil.svg'), svg)
  writeFileSync(join(dir, 'huge.png'), png(MAX_LOGO_BYTES * 4))
  writeFileSync(join(dir, 'notes.txt'), 'not an image')
  mkdirSync(join(dir, 'folder.png'))
  const provider = (id: string, branding: object) => ({ id, dialect: 'oidc', issuer: 'https://example.com', clientId: 'c', branding })

  it('keeps what passes and warns once per problem, naming the provider and key; nothing throws', async () => {
    const config = parseConfig(
      JSON.stringify({
        providers: [
          provider('good', { logo: 'logo.png', accent: '#8fd3ff' }),
          provider('svg', { logo: 'evil.svg', accent: 'not-a-colour' }),
          provider('huge', { logo: 'huge.png', accent: '#111111' }),
          provider('text', { logo: 'notes.txt' }),
          provider('missing', { logo: 'nowhere.png' }),
          provider('folder', { logo: 'folder.png' }),
          provider('remote', { logo: 'https://example.com/logo.png' }),
        ],
      }),
      'test.json',
    )
    const warnings: string[] = []
    const branding = await loadBranding(config.providers, { baseDir: dir, warn: (m) => warnings.push(m) })
    expect([...branding.keys()]).toEqual(['good'])
    expect(branding.get('good')).toEqual({ logo: expect.stringMatching(/^data:image\/png;base64,/), accent: '#8fd3ff' })
    expect(warnings).toHaveLength(8)
    expect(warnings.find((w) => w.includes('"svg"') && w.includes('.logo'))).toMatch(/SVG or other markup/)
    expect(warnings.find((w) => w.includes('"svg"') && w.includes('.accent'))).toMatch(/not a colour/)
    expect(warnings.find((w) => w.includes('"huge"') && w.includes('.logo'))).toMatch(/1024 KB; the limit is 256 KB/)
    expect(warnings.find((w) => w.includes('"huge"') && w.includes('.accent'))).toMatch(/contrast/)
    expect(warnings.find((w) => w.includes('"text"'))).toMatch(/not a PNG, JPEG or WebP/)
    expect(warnings.find((w) => w.includes('"missing"'))).toMatch(/does not exist/)
    expect(warnings.find((w) => w.includes('"folder"'))).toMatch(/is not a file/)
    expect(warnings.find((w) => w.includes('"remote"'))).toMatch(/is a URL/)
    // The screen's list carries the checked values only.
    const views = providerEntries(config, lazyDemo(), branding).map((e) => e.view)
    expect(views.find((v) => v.id === 'good')).toMatchObject({ logo: expect.stringMatching(/^data:image\/png/), accent: '#8fd3ff' })
    expect(views.find((v) => v.id === 'svg')).not.toHaveProperty('logo')
    expect(views.find((v) => v.id === 'svg')).not.toHaveProperty('accent')
  })

  it('a configuration with a branding key that is not a string is a schema error', () => {
    expect(() => parseConfig(JSON.stringify({ providers: [provider('x', { logo: 42 })] }), 'c.json')).toThrow(/branding\.logo/)
    expect(() => parseConfig(JSON.stringify({ providers: [provider('x', { colour: '#fff' })] }), 'c.json')).toThrow(/unknown field "colour"/)
  })
})
