/**
 * Plain HTTP plumbing shared by the demo provider's routes: security headers
 * (on oidc-provider's Koa responses and on our own), HTML responses, form
 * reading with a size limit, and errors that carry their HTTP status.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Middleware } from 'oidc-provider'
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
