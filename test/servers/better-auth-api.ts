/**
 * The better-auth HTTP calls both test harnesses make as a person would: sign up, then claim
 * and approve (or deny) a user code with that session.
 */
import { randomUUID } from 'node:crypto'

const PASSWORD = 'linkscreen-test-password'

export interface SignedUp {
  token: string
  userId: string
  email: string
  name: string
}

export interface BetterAuthApi {
  /** fetch against the auth API; throws `Error("<step>: HTTP <status> <body>")` on non-2xx. */
  call(step: string, path: string, init?: RequestInit): Promise<unknown>
  /** A JSON POST with the Origin header better-auth checks, and a Bearer session when given. */
  postJson(body: unknown, token?: string): RequestInit
  signUp(name?: string): Promise<SignedUp>
  /** Claims the code (GET /device, required before a decision in 1.7), then approves or denies it. */
  decide(action: 'approve' | 'deny', userCode: string, sessionToken: string): Promise<void>
}

export function betterAuthApi(baseUrl: string, origin: string): BetterAuthApi {
  const call = async (step: string, path: string, init: RequestInit = {}): Promise<unknown> => {
    const res = await fetch(`${baseUrl}${path}`, init)
    const text = await res.text()
    if (!res.ok) throw new Error(`${step}: HTTP ${res.status} ${text}`)
    return text ? (JSON.parse(text) as unknown) : null
  }
  const postJson = (body: unknown, token?: string): RequestInit => {
    const headers: Record<string, string> = { 'content-type': 'application/json', origin }
    if (token !== undefined) headers['authorization'] = `Bearer ${token}`
    return { method: 'POST', headers, body: JSON.stringify(body) }
  }
  return {
    call,
    postJson,
    async signUp(name = 'Test User') {
      const email = `user-${randomUUID()}@linkscreen.test`
      // Sign-up is origin-checked (403 MISSING_OR_NULL_ORIGIN without an Origin header).
      const body = (await call('POST /sign-up/email', '/sign-up/email', postJson({ name, email, password: PASSWORD }))) as { token: string; user: { id: string } }
      return { token: body.token, userId: body.user.id, email, name }
    },
    async decide(action, userCode, sessionToken) {
      await call(`GET /device (${action})`, `/device?user_code=${encodeURIComponent(userCode)}`, { headers: { authorization: `Bearer ${sessionToken}` } })
      await call(`POST /device/${action}`, `/device/${action}`, postJson({ userCode }, sessionToken))
    },
  }
}
