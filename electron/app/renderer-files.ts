/**
 * Serving the built renderer (`dist/renderer`) under the app's own scheme,
 * `app://linkscreen/…`, so the window never loads a remote URL or a `file:` page, and every
 * response carries the Content-Security-Policy. No Electron import: the protocol adapter
 * passes requests in.
 */
import { readFile } from 'node:fs/promises'
import { extname, resolve, sep } from 'node:path'

export const APP_SCHEME = 'app'
export const APP_HOST = 'linkscreen'
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`
export const APP_ENTRY = `${APP_ORIGIN}/index.html`

/**
 * The renderer's Content-Security-Policy in the app: scripts and styles from the app only, no
 * network at all (everything goes through IPC), images from the app, `data:` and `https:`
 * (account avatars), nothing framed, no forms, no plugins.
 */
export const APP_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; font-src 'self'; connect-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; frame-src 'none'; worker-src 'none'"

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
}

export interface FileAnswer {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: Uint8Array | string
}

/** The file under `root` that `url` names, or null for anything outside it or not ours. */
export function resolveRendererFile(root: string, url: string): string | null {
  if (!URL.canParse(url)) return null
  const parsed = new URL(url)
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return null
  let path: string
  try {
    path = decodeURIComponent(parsed.pathname)
  } catch {
    return null
  }
  if (path.includes('\0') || path.includes('\\')) return null
  const base = resolve(root)
  const file = resolve(base, `.${path === '/' ? '/index.html' : path}`)
  return file.startsWith(base + sep) ? file : null
}

const HEADERS = {
  'content-security-policy': APP_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
}

/** Answers one request for the app's scheme. */
export async function serveRendererFile(root: string, url: string, method: string): Promise<FileAnswer> {
  const text = (status: number, body: string): FileAnswer => ({ status, headers: { ...HEADERS, 'content-type': 'text/plain; charset=utf-8' }, body })
  if (method !== 'GET' && method !== 'HEAD') return text(405, 'GET only')
  const file = resolveRendererFile(root, url)
  if (file === null) return text(404, 'not found')
  try {
    const body = await readFile(file)
    return { status: 200, headers: { ...HEADERS, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }, body: method === 'HEAD' ? '' : body }
  } catch {
    return text(404, 'not found')
  }
}
