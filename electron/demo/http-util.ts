/**
 * Plain HTTP plumbing shared by the demo provider's routes: security headers
 * (on oidc-provider's Koa responses and on our own), HTML responses, form
 * reading with a size limit, and errors that carry their HTTP status.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Middleware } from 'oidc-provider'
import { isLoopbackHost } from '../core/urls'
import { CSP, errorPage, renderInto } from './pages'

const MAX_FORM_BYTES = 8 * 1024

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Outermost Koa middleware: security headers for everything oidc-provider
 * answers (JSON included; harmless there), and a last-resort HTML page for
 * errors that escape oidc-provider's own handlers. (One known case in 9.13.3:
 * GET /device/<uid> from a browser without an OP session throws "persist can
 * only be called on previously persisted Sessions" from its error path.)
 * Catching here also keeps Koa's default error logger quiet.
 */
export function outerMiddleware(quiet: boolean): Middleware {
  return async (ctx, next) => {
    ctx.set('content-security-policy', CSP)
    ctx.set('x-content-type-options', 'nosniff')
    ctx.set('referrer-policy', 'same-origin')
    try {
      await next()
    } catch (error) {
      if (!quiet) console.error('[demo provider] unhandled error:', error)
      ctx.status = 500
      renderInto(ctx, errorPage('The demo provider hit an unexpected error.', undefined))
    }
  }
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': CSP,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
  })
  res.end(html)
}

/** An error answered with its own status and a human-readable message. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message)
    this.name = 'HttpError'
  }
}

export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/x-www-form-urlencoded') throw new HttpError(415, 'Expected a form submission.')
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk))
    size += buf.length
    if (size > MAX_FORM_BYTES) throw new HttpError(413, 'The form submission is too large.')
    chunks.push(buf)
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}

/** Browser origins allowed to call the demo (the same rule as its CORS policy): loopback pages only. */
export const LOOPBACK_ORIGIN = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/

/**
 * Why a request must be refused before the provider sees it, or `undefined`. The demo listens on
 * loopback, but a web page can still reach it through DNS rebinding (its own name re-pointed at
 * 127.0.0.1), and any page can post a form to it. So the Host header must name this server
 * (a loopback name or the host it was bound to, with its port), and a request that changes state
 * from a browser must come from a loopback page (an `Origin` of another site, or `null`, is
 * refused).
 * @param boundHost - the host of the issuer URL (e.g. `127.0.0.1`).
 */
export function requestRefusal(req: IncomingMessage, boundHost: string, port: number): string | undefined {
  const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(req.headers.host ?? '')
  const hostname = (match?.[1] ?? '').toLowerCase().replace(/^\[|\]$/g, '')
  if (match === null || Number(match[2]) !== port || !(isLoopbackHost(hostname) || hostname === boundHost.toLowerCase())) {
    return `This demo provider answers only requests addressed to ${boundHost}:${port}; this one named another server in its Host header.`
  }
  const origin = req.headers.origin
  const safe = req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS'
  if (!safe && origin !== undefined && !LOOPBACK_ORIGIN.test(origin)) return 'This demo provider accepts forms and requests from pages on this machine (127.0.0.1) only.'
  return undefined
}

/** A plain-text refusal with the usual security headers. */
export function sendForbidden(res: ServerResponse, message: string): void {
  res.writeHead(403, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-length': Buffer.byteLength(message),
  })
  res.end(message)
}
