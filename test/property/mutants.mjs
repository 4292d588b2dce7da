#!/usr/bin/env node
/**
 * Shows that every property in test/property can fail: each mutation below breaks the code a
 * property guards (or, for an `it.fails` property, fixes the known bug it shows), in a throw-away
 * copy of the repository, and runs that property there. Every line should say FAILS.
 *
 *   node test/property/mutants.mjs            # all of them (a few minutes)
 *   node test/property/mutants.mjs flow-log   # those whose id contains "flow-log"
 *
 * Not part of `npm test`: it copies the repository and runs vitest once per mutation.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'

const ROOT = resolve(new URL('../..', import.meta.url).pathname)
const SKIP = new Set(['node_modules', '.git', 'dist', 'dist-electron', 'release-qa', 'test-results'])

/** id, the file to change, the exact text (once in the file), its replacement, the test file and a -t filter. */
const MUTANTS = [
  {"id": "pda-a-c: https check off", "file": "electron/core/urls.ts", "from": "return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))", "to": "return url.protocol === 'https:' || url.protocol === 'http:'", "test": "test/property/parsers.test.ts", "filter": "parseDeviceAuthorization"},
  {"id": "pda-c-origin: complete URI kept on any origin", "file": "electron/core/device-authorization.ts", "from": "completeUrl?.origin === verificationUri.origin ? completeUrl.href : undefined", "to": "completeUrl?.href", "test": "test/property/parsers.test.ts", "filter": "keeps a safe complete URI"},
  {"id": "assert-b: value quoted in a field error", "file": "electron/core/assert.ts", "from": "if (value.length > maxLength) throw invalid(where, field, `must be at most ${maxLength} characters`)", "to": "if (value.length > maxLength) throw invalid(where, field, `must be at most ${maxLength} characters`)\n  if (/[A-Z]/.test(value) && /[a-z]/.test(value) && value.length >= 20) throw invalid(where, field, `is odd: ${value}`)", "test": "test/property/parsers.test.ts", "filter": "never quotes a secret"},
  {"id": "pda-d: user code quoted raw", "file": "electron/core/device-authorization.ts", "from": "`${where}: \"user_code\" must contain only printable characters`", "to": "`${where}: \"user_code\" ${user_code} must contain only printable characters`", "test": "test/property/parsers.test.ts", "filter": "its messages hold no control characters$"},
  {"id": "pts-a: extra built by assignment (__proto__)", "file": "electron/core/token-response.ts", "from": "const extra = Object.fromEntries(Object.entries(json).filter(([key]) => !KNOWN.has(key)))", "to": "const extra: Record<string, unknown> = {}\n  for (const [key, value] of Object.entries(json)) if (!KNOWN.has(key)) extra[key] = value", "test": "test/property/parsers.test.ts", "filter": "parseTokenSet"},
  {"id": "classify-ab: body quoted", "file": "electron/core/token-response.ts", "from": "`${where}: HTTP ${response.status} (${type}) without an OAuth error body`", "to": "`${where}: HTTP ${response.status} (${type}) without an OAuth error body ${JSON.stringify(body)}`", "test": "test/property/parsers.test.ts", "filter": "returns a well-formed outcome"},
  {"id": "classify-d: media type raw", "file": "electron/core/token-response.ts", "from": "const type = cleanText(response.headers.get('content-type')?.split(';')[0] ?? '', 100) || 'no content type'", "to": "const type = response.headers.get('content-type')?.split(';')[0]?.trim() || 'no content type'", "test": "test/property/parsers.test.ts", "filter": "whatever the content type"},
  {"id": "cleanErrorCode: any string", "file": "electron/core/token-response.ts", "from": "return typeof value === 'string' && /^[\\x20-\\x7e]{1,64}$/.test(value) ? value : 'invalid_error_code'", "to": "return typeof value === 'string' && value !== '' ? value : 'invalid_error_code'", "test": "test/property/parsers.test.ts", "filter": "outcomeForOAuthError and cleanErrorCode"},
  {"id": "cleanText: cuts pairs", "file": "electron/core/redact.ts", "from": "return /[\\ud800-\\udbff]$/.test(text) ? text.slice(0, -1) : text", "to": "return text", "test": "test/property/parsers.test.ts", "filter": "never cut a character in half"},
  {"id": "readJsonBody: no clone", "file": "electron/core/http.ts", "from": "const text = await response.clone().text()", "to": "const text = await response.text()", "test": "test/property/parsers.test.ts", "filter": "readJsonBody never throws"},
  {"id": "retryAfterMs: no cap", "file": "electron/core/http.ts", "from": "return Math.min(Math.max(ms, 0), 3_600_000)", "to": "return Math.max(ms, 0)", "test": "test/property/parsers.test.ts", "filter": "retryAfterMs is undefined"},
  {"id": "createHttp: failure message quoted", "file": "electron/core/http.ts", "from": "else out = new LinkscreenError(ErrorCode.Network, `${where}: ${networkReason(error)}`)", "to": "else out = new LinkscreenError(ErrorCode.Network, `${where}: ${networkReason(error)} ${String(error)}`)", "test": "test/property/parsers.test.ts", "filter": "createHttp throws only"},
  {"id": "dialects requestCode: assert quotes values", "file": "electron/core/assert.ts", "from": "if (value.length > maxLength) throw invalid(where, field, `must be at most ${maxLength} characters`)", "to": "if (value.length > maxLength) throw invalid(where, field, `must be at most ${maxLength} characters`)\n  if (/[A-Z]/.test(value) && /[a-z]/.test(value) && value.length >= 20) throw invalid(where, field, `is odd: ${value}`)", "test": "test/property/dialects.test.ts", "filter": "requestCode: \\(a\\)"},
  {"id": "dialects requestCode: http accepted", "file": "electron/core/urls.ts", "from": "return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))", "to": "return url.protocol === 'https:' || url.protocol === 'http:'", "test": "test/property/dialects.test.ts", "filter": "requestCode: \\(a\\)"},
  {"id": "dialects poll: token set error quotes the body", "file": "electron/core/token-response.ts", "from": "const json = assertJsonObject(body, where)\n  const access_token", "to": "const json = assertJsonObject(body, where)\n  if (json['token_type'] === undefined && defaultTokenType === undefined) throw new LinkscreenError(ErrorCode.InvalidResponse, `${where}: no token_type in ${JSON.stringify(json)}`)\n  const access_token", "test": "test/property/dialects.test.ts", "filter": "poll: \\(a\\)"},
  {"id": "dialects poll: assert quotes values", "file": "electron/core/assert.ts", "from": "if (value.length > maxLength) throw invalid(where, field, `must be at most ${maxLength} characters`)", "to": "if (value.length > maxLength) throw invalid(where, field, `must be at most ${maxLength} characters`)\n  if (/[A-Z]/.test(value) && /[a-z]/.test(value) && value.length >= 20) throw invalid(where, field, `is odd: ${value}`)", "test": "test/property/dialects.test.ts", "filter": "poll: \\(a\\)"},
  {"id": "dialects (d): failedResponse cleaned (it.fails must then fail)", "file": "electron/core/dialects/standard.ts", "from": "const type = response.headers.get('content-type')?.split(';')[0]?.trim() || 'no content type'\n  const code = response.status >= 500", "to": "const type = response.headers.get('content-type')?.split(';')[0]?.replace(/[\\u0000-\\u001f\\u007f-\\u009f\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]/g, ' ').trim() || 'no content type'\n  const code = response.status >= 500", "test": "test/property/dialects.test.ts", "filter": "control characters"},
  {"id": "scrubber: error members not scrubbed", "file": "electron/core/scrubber.ts", "from": "typeof value === 'string' && !CODE_MEMBERS.has(key) ? this.text(value) : value] as const)", "to": "value] as const)", "test": "test/property/dialects.test.ts", "filter": "the flow runner"},
  {"id": "github known bug fixed (it.fails must then fail)", "file": "electron/core/dialects/github.ts", "from": "const GITHUB_ERRORS: Readonly<Record<string, string>> = {", "to": "const GITHUB_ERRORS: Readonly<Record<string, string>> = {\n  __proto__: null,", "test": "test/property/dialects.test.ts", "filter": "known bug"},
  {"id": "scrubber: only whole forms and heads, no runs", "file": "electron/core/scrubber.ts", "from": "else for (let at = 0; at + SECRET_HEAD_LENGTH <= folded.length; at++) windows.add(folded.slice(at, at + SECRET_HEAD_LENGTH))", "to": "else windows.add(folded.slice(0, SECRET_HEAD_LENGTH))", "test": "test/property/scrub.test.ts", "filter": "no output"},
  {"id": "normalizeUserCode: untrimmed", "file": "electron/core/approve.ts", "from": "return DEFAULT_ALPHABET.test(stripped) ? stripped : input.trim()", "to": "return DEFAULT_ALPHABET.test(stripped) ? stripped : input", "test": "test/property/approve-registration.test.ts", "filter": "takes any text"},
  {"id": "normalizeUserCode: case kept", "file": "electron/core/approve.ts", "from": "const stripped = input.replace(/[^a-zA-Z0-9]/g, '').toUpperCase()", "to": "const stripped = input.replace(/[^a-zA-Z0-9]/g, '')", "test": "test/property/approve-registration.test.ts", "filter": "whatever its case"},
  {"id": "approve: claim not scrubbed", "file": "electron/core/approve.ts", "from": "claim: (userCode, signal) => scrubber.guard(async () => scrubber.deep(await claim(userCode, signal))),", "to": "claim: (userCode, signal) => claim(userCode, signal),", "test": "test/property/approve-registration.test.ts", "filter": "claim and decide"},
  {"id": "registration: not behind the scrubber", "file": "electron/core/registration.ts", "from": "return scrubber.guard(async () => scrubber.deep(await register(scrubber.wrap(http), endpoint, options, where)))", "to": "return register(http, endpoint, options, where)", "test": "test/property/approve-registration.test.ts", "filter": "registerDeviceClient"},
  {"id": "flow log: response secrets not learned", "file": "electron/core/flow-log.ts", "from": "              scrubber.learnJson(json)", "to": "              void json", "test": "test/property/flow-log.test.ts", "filter": "wraps a fetch"},
  {"id": "flow log: header values recorded", "file": "electron/core/flow-log.ts", "from": "          ...(body.fields === undefined ? {} : { requestFields: cleanKeys(body.fields) }),", "to": "          ...(body.fields === undefined ? {} : { requestFields: cleanKeys(body.fields) }),\n          ...{ requestFields: [...cleanKeys(body.fields ?? []), ...Object.values((init.headers ?? {}) as Record<string, string>)] },", "test": "test/property/flow-log.test.ts", "filter": "wraps a fetch"},
  {"id": "scrub: dialect boundary open", "file": "electron/core/dialects/guard.ts", "from": "return scrubber.guard(() => revoke.call(dialect, tokens, signal))", "to": "return revoke.call(dialect, tokens, signal)", "test": "test/property/scrub.test.ts", "filter": "login"},
  {"id": "scrub: base64 forms not known", "file": "electron/core/scrubber.ts", "from": "  for (const form of base64Forms(bytes)) forms.add(form)\n", "to": "", "test": "test/property/scrub.test.ts", "filter": "no output"},
  {"id": "scrub: complete URI with the device code kept", "file": "electron/core/flow.ts", "from": "const withheld = complete !== undefined && scrubber.contains(complete)", "to": "const withheld = false", "test": "test/property/scrub.test.ts", "filter": "no output"},
  {"id": "flow log: keeps one too many", "file": "electron/core/flow-log.ts", "from": "while (entries.length > maxEntries) {", "to": "while (entries.length > maxEntries + 1) {", "test": "test/property/flow-log.test.ts", "filter": "keeps at most"},
  {"id": "config: http allowed", "file": "electron/core/config.ts", "from": "  .refine((value) => !URL.canParse(value) || isSafeUrl(new URL(value)), {", "to": "  .refine((value) => !URL.canParse(value) || isSafeUrl(new URL(value)) || value.startsWith('http:'), {", "test": "test/property/config.test.ts", "filter": "returns a configuration"},
  {"id": "config: value quoted", "file": "electron/core/config.ts", "from": "    throw new LinkscreenError(ErrorCode.Config, lines.join('\\n'))", "to": "    throw new LinkscreenError(ErrorCode.Config, `${lines.join('\\n')} ${JSON.stringify(json).slice(0, 2000)}`)", "test": "test/property/config.test.ts", "filter": "never quotes a value"},
  {"id": "config: keys raw", "file": "electron/core/config.ts", "from": "issue.keys.map((k) => `\"${shownKey(k)}\"`)", "to": "issue.keys.map((k) => `\"${k}\"`)", "test": "test/property/config.test.ts", "filter": "whatever the keys"},
  {"id": "jsonErrorOffset: tab not whitespace", "file": "electron/core/json-position.ts", "from": "while (i < text.length && ' \\t\\n\\r'.includes(text[i] as string)) i++", "to": "while (i < text.length && ' \\n\\r'.includes(text[i] as string)) i++", "test": "test/property/config.test.ts", "filter": "agrees with JSON.parse"},
  {"id": "loadConfig: JSON error quotes the text", "file": "electron/core/config.ts", "from": "throw new LinkscreenError(ErrorCode.Config, `${source}: not valid JSON${offset < 0 ? '' : ` (${lineAndColumn(body, offset)})`}`)", "to": "throw new LinkscreenError(ErrorCode.Config, `${source}: not valid JSON${offset < 0 ? '' : ` (${lineAndColumn(body, offset)})`} ${body.slice(0, 300)}`)", "test": "test/property/config.test.ts", "filter": "reads any bytes"},
  {"id": "ipc: request quoted", "file": "electron/ipc/dispatch.ts", "from": "throw new ContractError('invalid_request', `${channel}: request${path}: ${issue?.message ?? 'invalid'}`)", "to": "throw new ContractError('invalid_request', `${channel}: request${path}: ${issue?.message ?? 'invalid'} ${JSON.stringify(request)}`)", "test": "test/property/ipc.test.ts", "filter": "validateRequest"},
  {"id": "ipc known bug fixed (it.fails must then fail)", "file": "electron/ipc/dispatch.ts", "from": "  const result = REQUESTS[channel].safeParse(request ?? null)", "to": "  let result: ReturnType<(typeof REQUESTS)[C]['safeParse']>\n  try {\n    result = REQUESTS[channel].safeParse(request ?? null)\n  } catch {\n    throw new ContractError('invalid_request', `${channel}: request: invalid`)\n  }", "test": "test/property/ipc.test.ts", "filter": "known bug"},
]

const only = process.argv.slice(2)
let survived = 0
for (const m of MUTANTS) {
  if (only.length > 0 && !only.some((o) => m.id.includes(o))) continue
  const dir = mkdtempSync(join(tmpdir(), 'linkscreen-mutant-'))
  try {
    cpSync(ROOT, dir, { recursive: true, filter: (path) => !SKIP.has(relative(ROOT, path).split('/')[0] ?? '') })
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
    const file = join(dir, m.file)
    const text = readFileSync(file, 'utf8')
    if (text.split(m.from).length !== 2) {
      console.log(`?? [${m.id}] the text to change is not in ${m.file} exactly once (the code moved on: update the mutant)`)
      survived++
      continue
    }
    writeFileSync(file, text.replace(m.from, () => m.to))
    const run = spawnSync('npx', ['vitest', 'run', m.test, '-t', m.filter], { cwd: dir, encoding: 'utf8' })
    const out = `${run.stdout}${run.stderr}`.replace(/\x1b\[[0-9;]*m/g, '')
    const failed = out.split('\n').filter((l) => l.trim().startsWith('×')).map((l) => l.trim())
    const cause = out.split('\n').find((l) => l.startsWith('Caused by') || l.includes('Expect test to fail')) ?? ''
    if (failed.length === 0) survived++
    console.log(`${failed.length > 0 ? 'FAILS ' : 'PASSES'} [${m.id}] ${failed.length} failed: ${failed[0] ?? ''}\n        ${cause.slice(0, 220)}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
if (survived > 0) {
  console.log(`${survived} mutant(s) survived: a property that cannot fail, or a mutant to update`)
  process.exitCode = 1
}
