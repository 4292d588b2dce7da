/**
 * `linkscreen`: the headless device-flow tool for QA engineers and CI, on the same core the
 * Electron app hosts.
 *
 *   linkscreen login --provider <id> [--config F] [--scope S] [--json] [--renew N]
 *                    [--show-token] [--timeout SECONDS] [--retry SECONDS] [--verbose] [--log FILE]
 *   linkscreen approve --provider <id> --code CODE [--deny] [--config F] [--json] [--verbose]
 *   linkscreen providers [--config F] [--json]
 *   linkscreen register --provider <id> [--name N] [--config F] [--json]
 *   linkscreen serve [--port P] [--config F] [--provider ID] [--kiosk] [--json]
 *   linkscreen accounts [--port P] [--json]
 *   linkscreen logout --account ID [--port P] [--json]
 *   linkscreen check --provider <id> [--config F] [--json] [--html FILE] [--approve-with CMD] … (check.ts)
 *
 * Exit status: 0 authorized, 2 denied, 3 expired, 4 usage or configuration error,
 * 1 anything else, 130 interrupted (Ctrl-C). `approve`: 0 done (approved or denied as asked),
 * 3 the code expired, 4 usage or configuration error (no LINKSCREEN_APPROVER_TOKEN), 1 anything else.
 */
import { DEMO_PROVIDER, lazyDemo, providerEntries, type LazyDemo } from '../services/providers'
import { parseArgs } from 'node:util'
import { access, writeFile, constants as fsConstants } from 'node:fs/promises'
import { dirname, resolve as resolvePath } from 'node:path'
import { ErrorCode, LinkscreenError, isLinkscreenError } from '../core/errors'
import type { Config, ProviderConfig } from '../core/config'
import type { FlowResult } from '../core/flow'
import type { ApproveError, DeviceRequest } from '../core/approve'
import type { FlowRecorder } from '../core/flow-log'
import { cleanText } from '../core/redact'
import { systemClock } from '../adapters/system-clock'
import type { Io } from './output'
import { chunkUserCode } from './big-text'
import { hostname, platform, release, arch } from 'node:os'
// Bundled into the built CLI (dist-cli/), which sits at another depth than this file.
import pkg from '../../package.json' with { type: 'json' }

const VERSION = pkg.version

/*
 * The modules a command needs are loaded when that command runs (`loadFor`), not at start-up:
 * `--help` loads none of them, `providers` only the configuration (zod), and only `login` loads
 * the flow engine and qrcode, only `serve` the HTTP server (issue #16: a CLI that answers fast).
 * Each binding below is set by its loader before the command that uses it starts.
 */
let PRESETS!: typeof import('../core/config').PRESETS
let findProvider!: typeof import('../core/config').findProvider
let providerSecrets!: typeof import('../core/config').providerSecrets
let loadConfig!: typeof import('../adapters/config-file').loadConfig
let createHttp!: typeof import('../core/http').createHttp
let createNodeHttpFetch!: typeof import('../adapters/node-http').createNodeHttpFetch
let createDialect!: typeof import('../core/dialects').createDialect
let runDeviceFlow!: typeof import('../core/flow').runDeviceFlow
let createFlowRecorder!: typeof import('../core/flow-log').createFlowRecorder
let humanReporter!: typeof import('./output').humanReporter
let jsonReporter!: typeof import('./output').jsonReporter
let discover!: typeof import('../core/dialects/oidc').discover
let registerDeviceClient!: typeof import('../core/registration').registerDeviceClient
let createApprover!: typeof import('../core/approve').createApprover
let startServe!: typeof import('./serve').startServe
let FlowService!: typeof import('../services/flow-service').FlowService
/** No error is an approve error until the module that makes them is loaded. */
let isApproveError = (_value: unknown): _value is ApproveError => false
let listAccounts!: typeof import('./accounts').listAccounts
let logout!: typeof import('./accounts').logout
let serveUrl!: typeof import('./accounts').serveUrl
/** Likewise for accounts' usage errors: a class no one throws stands in until it is loaded. */
let AccountsUsageError: abstract new (...args: never[]) => Error = class NotLoaded extends Error {}

const load = {
  config: async () => {
    ;({ PRESETS, findProvider, providerSecrets } = await import('../core/config'))
    ;({ loadConfig } = await import('../adapters/config-file'))
  },
  http: async () => {
    ;({ createHttp } = await import('../core/http'))
    ;({ createNodeHttpFetch } = await import('../adapters/node-http'))
  },
  flow: async () => {
    ;({ createDialect } = await import('../core/dialects'))
    ;({ runDeviceFlow } = await import('../core/flow'))
    ;({ createFlowRecorder } = await import('../core/flow-log'))
    ;({ humanReporter, jsonReporter } = await import('./output'))
  },
  register: async () => {
    ;({ discover } = await import('../core/dialects/oidc'))
    ;({ registerDeviceClient } = await import('../core/registration'))
  },
  approve: async () => {
    ;({ createApprover, isApproveError } = await import('../core/approve'))
  },
  accounts: async () => {
    ;({ listAccounts, logout, serveUrl, AccountsUsageError } = await import('./accounts'))
  },
  serve: async () => {
    ;({ startServe } = await import('./serve'))
    ;({ FlowService } = await import('../services/flow-service'))
  },
} satisfies Record<string, () => Promise<void>>

/** What each command loads before it runs. */
const NEEDS: Readonly<Record<string, ReadonlyArray<keyof typeof load>>> = {
  login: ['config', 'http', 'flow'],
  providers: ['config'],
  register: ['config', 'http', 'register'],
  approve: ['config', 'http', 'approve'],
  // The flow service reports approve errors too.
  serve: ['config', 'http', 'serve', 'approve'],
  accounts: ['accounts'],
  logout: ['accounts'],
}

async function loadFor(command: string): Promise<void> {
  await Promise.all((Object.hasOwn(NEEDS, command) ? NEEDS[command]! : []).map((name) => load[name]()))
}

/** What this device says about itself to providers that ask (`api-v1`). */
const DEVICE = { name: hostname(), model: `${platform()}-${arch()}`, os: `${platform()} ${release()}`, appVersion: `linkscreen-cli ${VERSION}` }

export const EXIT = { authorized: 0, failure: 1, denied: 2, expired: 3, usage: 4, interrupted: 130 } as const

const USAGE = `Usage:
  linkscreen login --provider <id> [--config FILE] [--scope SCOPE] [--json] [--renew N]
                   [--show-token] [--timeout SECONDS] [--retry SECONDS] [--verbose] [--log FILE]
                   (--retry: keep asking for a code that long through network faults, 5xx, 429
                   and captive portals; default 0, one attempt)
  linkscreen approve --provider <id> --code CODE [--deny] [--config FILE] [--json] [--verbose]
                   (better-auth providers; the approver's session token is read from
                   $LINKSCREEN_APPROVER_TOKEN, never from a flag)
  linkscreen providers [--config FILE] [--json]
  linkscreen register --provider <id> [--name NAME] [--config FILE] [--json]
  linkscreen serve [--port P] [--config FILE] [--provider ID] [--kiosk] [--json]
                   (prints a URL that works once, for the browser that shows the screen)
  linkscreen accounts [--port P] [--json]
  linkscreen logout --account ID [--port P] [--json]
  linkscreen check --provider <id> [--config FILE] [--json] [--html FILE]
                   [--approve-with CMD] [--approve-timeout SECONDS] [--max-requests N]
                   [--time-limit SECONDS] [--request-timeout SECONDS] [--max-wait SECONDS]
                   (a device-flow conformance report; CMD is run without a shell as
                   "CMD… USER_CODE" to approve, "CMD… USER_CODE deny" to deny)

The configuration is read from --config, else $LINKSCREEN_CONFIG, else providers.json in
your config folder. The built-in "demo" provider always exists.
Outside the app accounts live only in the process that signed in: accounts and logout act on a
running "linkscreen serve", found through its owner-only runtime file ($XDG_RUNTIME_DIR/linkscreen/;
--port picks one of several) or $LINKSCREEN_SERVE_URL (the file's controlUrl), never a flag.
Exit status: 0 authorized, 2 denied, 3 expired, 4 usage or configuration error, 1 other, 130 interrupted.
approve: 0 done (approved, or denied with --deny), 3 the code expired, 4 usage or configuration, 1 other.
check: 0 no failures, 1 failures, 4 usage or configuration.`

export interface MainOptions {
  readonly io?: Io
  readonly env?: NodeJS.ProcessEnv
  /** Cancels the command as Ctrl-C does (tests use it; the binary wires SIGINT to it). */
  readonly signal?: AbortSignal
}

class UsageError extends Error {}

/** The configured provider `id`; for an unconfigured preset, what to add and where. */
function findConfigured(config: Config, path: string | undefined, id: string): ProviderConfig {
  const preset = PRESETS.find((p) => p.dialect === id)
  if (preset && !config.providers.some((p) => p.id === id)) {
    const example = JSON.stringify({ id, dialect: id, ...Object.fromEntries(preset.needs.map((n) => [n, '…'])) })
    throw new LinkscreenError(
      ErrorCode.Config,
      `"${id}" is a preset that needs ${preset.needs.join(' and ')}: add ${example} to the providers of ${path ?? 'your providers file (--config, LINKSCREEN_CONFIG or the user config folder)'}`,
    )
  }
  return findProvider(config.providers, id)
}

/** Flags that would carry the approver's session token: refused, without echoing a value. */
const TOKEN_FLAG = /^--?(approver-?)?(session-?)?token(=|$)/i

function parse(argv: readonly string[]) {
  const tokenFlag = argv.find((arg) => TOKEN_FLAG.test(arg))
  if (tokenFlag !== undefined) {
    throw new UsageError(
      `${tokenFlag.split('=')[0]} is not an option: the approver's session token is read only from ${APPROVER_TOKEN_ENV}, and serve's control credential only from its runtime file or LINKSCREEN_SERVE_URL, to keep them out of shell history and process lists`,
    )
  }
  try {
    return parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        provider: { type: 'string' },
        config: { type: 'string' },
        scope: { type: 'string' },
        json: { type: 'boolean', default: false },
        renew: { type: 'string' },
        'show-token': { type: 'boolean', default: false },
        timeout: { type: 'string' },
        retry: { type: 'string' },
        verbose: { type: 'boolean', default: false },
        name: { type: 'string' },
        port: { type: 'string' },
        kiosk: { type: 'boolean', default: false },
        log: { type: 'string' },
        code: { type: 'string' },
        url: { type: 'string' },
        account: { type: 'string' },
        deny: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    })
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error))
  }
}

function wholeNumber(value: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+(\.\d+)?$/.test(value.trim())) throw new UsageError(`${flag} must be a number, got "${value.slice(0, 20)}"`)
  const n = Number(value)
  if (n < min || n > max) throw new UsageError(`${flag} must be between ${min} and ${max}`)
  return n
}

async function listProviders(io: Io, configPath: string | undefined, env: NodeJS.ProcessEnv, json: boolean): Promise<number> {
  const { config, path } = await loadConfig({ configPath, env })
  const rows = [
    { id: DEMO_PROVIDER.id, name: DEMO_PROVIDER.name, dialect: DEMO_PROVIDER.dialect, builtIn: true },
    ...config.providers.map((p) => ({ id: p.id, name: p.name ?? p.id, dialect: p.dialect, builtIn: false })),
  ]
  const configured = new Set(config.providers.map((p) => p.dialect))
  const presets = PRESETS.filter((p) => !configured.has(p.dialect)).map((p) => ({ id: p.dialect, name: p.name, dialect: p.dialect, needs: p.needs }))
  if (json) {
    io.stdout.write(`${JSON.stringify({ config: path ?? null, providers: rows, presets })}\n`)
  } else {
    io.stdout.write(`${path ? `Configuration: ${path} (valid)` : 'No configuration file; built-in providers only.'}\n`)
    for (const row of rows) io.stdout.write(`  ${row.id.padEnd(20)} ${row.dialect.padEnd(12)} ${row.name}${row.builtIn ? ' (built in)' : ''}\n`)
    if (presets.length > 0) {
      io.stdout.write('Presets (add one to your providers file to use it):\n')
      for (const p of presets) io.stdout.write(`  ${p.id.padEnd(20)} ${p.dialect.padEnd(12)} ${p.name}: needs ${p.needs.join(' and ')}\n`)
    }
  }
  return 0
}

/**
 * Registers a public device client at an `oidc` provider's registration endpoint (RFC 7591)
 * and prints its client id. An initial access token, where the server wants one, comes from
 * `LINKSCREEN_REGISTRATION_TOKEN`.
 */
async function register(io: Io, values: ReturnType<typeof parse>['values'], env: NodeJS.ProcessEnv, signal: AbortSignal | undefined): Promise<number> {
  if (!values.provider) throw new UsageError('--provider is required')
  const { config, path } = await loadConfig({ configPath: values.config, env })
  const provider = findConfigured(config, path, values.provider)
  if (provider.dialect !== 'oidc') {
    throw new LinkscreenError(ErrorCode.Config, `"${provider.id}" uses the ${provider.dialect} dialect; registration needs an oidc provider (its discovery names the registration endpoint)`)
  }
  const http = createHttp({ fetch: createNodeHttpFetch({ env }), clock: systemClock })
  const metadata = await discover(provider, { http, clock: systemClock }, signal)
  if (typeof metadata.registration_endpoint !== 'string') {
    throw new LinkscreenError(ErrorCode.InvalidResponse, `${provider.id}: the issuer's metadata has no "registration_endpoint"`)
  }
  const name = values.name ?? `Linkscreen on ${hostname()}`
  const client = await registerDeviceClient(
    http,
    metadata.registration_endpoint,
    { name, scope: provider.scope, accessToken: env['LINKSCREEN_REGISTRATION_TOKEN'] || undefined, signal },
    provider.id,
  )
  if (values.json) io.stdout.write(`${JSON.stringify({ event: 'registered', provider: provider.id, client_id: client.client_id, client_name: client.client_name ?? name })}\n`)
  else io.stdout.write(`${client.client_id}\n`)
  return 0
}

/**
 * Serves the sign-in screen to browsers until cancelled. The first line on stdout is the URL
 * to open: it works once (its ticket becomes the browser's session cookie). The control
 * credential for `accounts|logout` goes only to the owner-only runtime file, removed on exit.
 */
async function serve(io: Io, values: ReturnType<typeof parse>['values'], env: NodeJS.ProcessEnv, signal: AbortSignal | undefined): Promise<number> {
  const port = wholeNumber(values.port, '--port', 0, 65_535) ?? 0
  const { config, path } = await loadConfig({ configPath: values.config, env })
  if (values.provider !== undefined && values.provider !== DEMO_PROVIDER.id) findConfigured(config, path, values.provider)
  const clock = systemClock
  const http = createHttp({ fetch: createNodeHttpFetch({ env }), clock })
  const demo = lazyDemo()
  // Logos and colours are checked here; a bad one is named on stderr and left out.
  const { loadBranding } = await import('../services/branding')
  const branding = await loadBranding(config.providers, { baseDir: path === undefined ? process.cwd() : dirname(path), warn: (message) => io.stderr.write(`linkscreen: warning: ${message}\n`) })
  const providers = providerEntries(config, demo, branding)
  const service = new FlowService({ providers, deps: { http, clock } })
  let locale: string | undefined
  const handle = await startServe({
    service,
    port,
    info: {
      kiosk: values.kiosk,
      fixedProvider: values.provider ?? null,
      // Read when the page first asks, not before the URL is printed: ICU's date formats take
      // some 20 ms to load (issue #16).
      get locale() {
        return (locale ??= Intl.DateTimeFormat().resolvedOptions().locale)
      },
      host: 'serve',
      storage: 'memory',
      notices: [],
    },
  })
  // Without the file the screen still works; only accounts and logout cannot reach it.
  const { runtimeDir, RuntimeFileError, writeRuntimeFile } = await import('./runtime-file')
  let runtime: Awaited<ReturnType<typeof writeRuntimeFile>> | undefined
  let runtimeProblem: string | undefined
  try {
    runtime = await writeRuntimeFile(runtimeDir(env), {
      version: 1,
      pid: process.pid,
      port: handle.port,
      url: handle.url,
      controlUrl: handle.controlUrl,
      startedAt: new Date().toISOString(),
    })
  } catch (error) {
    runtimeProblem = error instanceof RuntimeFileError ? error.message : `cannot write serve's runtime file in ${runtimeDir(env)} (${(error as { code?: string }).code ?? String(error)})`
  }
  const removeOnExit = (): void => runtime?.removeSync()
  process.once('exit', removeOnExit)
  try {
    if (values.json) {
      io.stdout.write(`${JSON.stringify({ event: 'serving', url: handle.url, single_use: true, port: handle.port, runtime_file: runtime?.path ?? null })}\n`)
    } else io.stdout.write(`${handle.url}\n`)
    // Bound to the demo, or with nothing else configured, the screen's first sign-in is the
    // demo's: its modules load and its key is made while the browser opens the page, and the
    // server starts (listens) only when a sign-in asks for it (issue #16: time to code).
    if (values.provider === DEMO_PROVIDER.id || (values.provider === undefined && config.providers.length === 0)) demo.warm()
    io.stderr.write(
      `linkscreen: serving the sign-in screen on ${handle.origin} (tokens stay in this process, in memory); Ctrl-C stops\n` +
        'linkscreen: the URL above works once: the first browser to open it is signed in to this screen and the URL then stops working. Start serve again for a new one\n' +
        (runtime
          ? `linkscreen: "linkscreen accounts" and "linkscreen logout" find this serve through ${runtime.path}\n`
          : `linkscreen: warning: ${runtimeProblem ?? 'no runtime file'}; "linkscreen accounts" and "linkscreen logout" cannot reach this serve\n`),
    )
    await new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve()
      signal?.addEventListener('abort', () => resolve(), { once: true })
    })
  } finally {
    await runtime?.remove()
    process.off('exit', removeOnExit)
    await service.close()
    await handle.close()
    await demo.stop()
  }
  return 0
}


/** The environment variable holding the approver's better-auth session token. */
export const APPROVER_TOKEN_ENV = 'LINKSCREEN_APPROVER_TOKEN'

/** The human lines describing what asks for approval. */
function describeRequest(request: DeviceRequest, providerName: string): string[] {
  const approver = request.approver
  const who = approver?.name ?? approver?.email ?? approver?.sub
  return [
    `  Code ${chunkUserCode(cleanText(request.userCode, 64))} for ${cleanText(providerName, 100)}`,
    `  Asking: ${request.clientName === undefined ? request.clientId : `${request.clientName} (${request.clientId})`}`,
    `  Scopes: ${request.scopes.length > 0 ? request.scopes.join(' ') : '(none asked for)'}`,
    ...(request.resources === undefined ? [] : [`  Resources: ${request.resources.join(' ')}`]),
    ...(who === undefined ? [] : [`  Signed in as ${who}${approver?.email && approver.email !== who ? ` <${approver.email}>` : ''}`]),
  ]
}

/**
 * Approves (or with `--deny`, denies) a device's user code at a better-auth provider, as the
 * person whose session token is in `LINKSCREEN_APPROVER_TOKEN`: prints what is asking, then
 * the result.
 */
async function approve(io: Io, values: ReturnType<typeof parse>['values'], env: NodeJS.ProcessEnv, signal: AbortSignal | undefined): Promise<number> {
  if (!values.provider) throw new UsageError('--provider is required')
  if (values.code === undefined || values.code.trim() === '') throw new UsageError('--code is required: the user code the device shows')
  const token = env[APPROVER_TOKEN_ENV]
  if (token === undefined || token.trim() === '') {
    throw new UsageError(
      `${APPROVER_TOKEN_ENV} is not set: put the approver's better-auth session token in it (a flag would leave it in shell history and process lists)`,
    )
  }
  if (values.provider === DEMO_PROVIDER.id) {
    throw new LinkscreenError(ErrorCode.Config, 'the demo provider is approved on its own verification page; approve works with better-auth providers')
  }
  const { config, path } = await loadConfig({ configPath: values.config, env })
  const provider = findConfigured(config, path, values.provider)
  if (provider.dialect !== 'better-auth') {
    throw new LinkscreenError(ErrorCode.Config, `"${provider.id}" uses the ${provider.dialect} dialect; approve works with better-auth providers (their device plugin's /device/approve)`)
  }
  const clock = systemClock
  const http = createHttp({
    fetch: createNodeHttpFetch({ env }),
    clock,
    ...(values.verbose ? { onExchange: (x) => io.stderr.write(`[http] ${x.method} ${x.url} → ${x.status ?? x.error} (${x.ms} ms)\n`) } : {}),
  })
  const approver = createApprover(provider, token.trim(), { http })
  const decision = values.deny ? 'deny' : 'approve'
  const request = await approver.claim(values.code, signal)
  if (values.json) {
    io.stdout.write(
      `${JSON.stringify({
        event: 'request',
        provider: provider.id,
        user_code: request.userCode,
        client_id: request.clientId,
        ...(request.clientName === undefined ? {} : { client_name: request.clientName }),
        scopes: request.scopes,
        ...(request.resources === undefined ? {} : { resources: request.resources }),
        approver: request.approver ?? null,
      })}\n`,
    )
  } else {
    io.stdout.write(`\n${describeRequest(request, provider.name ?? provider.id).join('\n')}\n`)
  }
  const result = await approver.decide(request, decision, signal)
  const done = result.decision === 'approve' ? 'approved' : 'denied'
  if (values.json) io.stdout.write(`${JSON.stringify({ event: done, provider: provider.id, user_code: result.userCode })}\n`)
  else {
    io.stdout.write(
      result.decision === 'approve'
        ? '\n  ✔ Approved. The device signs in at its next poll.\n'
        : '\n  ✔ Denied. The device is told at its next poll.\n',
    )
  }
  return EXIT.authorized
}

/** Writes the flow log as pretty JSON (owner-only); a failure is reported, never thrown. */
async function writeFlowLog(io: Io, recorder: FlowRecorder, file: string): Promise<void> {
  const log = recorder.toJSON()
  try {
    await writeFile(file, `${JSON.stringify(log, null, 2)}\n`, { mode: 0o600 })
    io.stderr.write(`linkscreen: flow log written to ${file} (${log.entries.length} exchange${log.entries.length === 1 ? '' : 's'}${log.dropped > 0 ? `, ${log.dropped} oldest dropped` : ''})\n`)
  } catch (error) {
    const code = (error as { code?: unknown }).code
    io.stderr.write(`linkscreen: could not write the flow log to ${file}${typeof code === 'string' ? ` (${code})` : ''}\n`)
  }
}

/** `--log FILE`, checked before the flow starts: its folder must exist and be writable. */
async function logTarget(value: string | undefined): Promise<string | undefined> {
  if (value === undefined) return undefined
  if (value.trim() === '') throw new UsageError('--log needs a file name')
  const file = resolvePath(value)
  try {
    await access(dirname(file), fsConstants.W_OK)
  } catch {
    throw new UsageError(`--log: the folder ${dirname(file)} does not exist or is not writable`)
  }
  return file
}

const EXIT_FOR: Record<FlowResult['status'], number> = {
  authorized: EXIT.authorized,
  denied: EXIT.denied,
  expired: EXIT.expired,
  error: EXIT.failure,
  cancelled: EXIT.interrupted,
}

async function login(io: Io, values: ReturnType<typeof parse>['values'], env: NodeJS.ProcessEnv, outer: AbortSignal | undefined, demo: LazyDemo): Promise<number> {
  const providerId = values.provider
  if (!providerId) throw new UsageError('--provider is required (try "linkscreen providers")')
  const renewals = wholeNumber(values.renew, '--renew', 0, 10) ?? 0
  const timeoutSeconds = wholeNumber(values.timeout, '--timeout', 1, 86_400)
  // Checked here, before anything starts; read again where the flow is run.
  wholeNumber(values.retry, '--retry', 0, 86_400)
  if (values.renew !== undefined && !Number.isInteger(renewals)) throw new UsageError('--renew must be a whole number')
  const logFile = await logTarget(values.log)
  if (logFile === undefined) return loginFlow(io, values, env, outer, demo, providerId, renewals, timeoutSeconds)
  // The log is written however the flow ends: authorized, denied, expired, an error, Ctrl-C.
  const recorder = createFlowRecorder({ clock: systemClock, provider: providerId })
  let status: number | undefined
  try {
    status = await loginFlow(io, values, env, outer, demo, providerId, renewals, timeoutSeconds, recorder)
    return status
  } finally {
    recorder.end(status === undefined ? 'error' : (OUTCOME_FOR_EXIT[status] ?? 'error'))
    await writeFlowLog(io, recorder, logFile)
  }
}

/** How the log names a flow's end, from `loginFlow`'s exit status. */
const OUTCOME_FOR_EXIT: Record<number, string> = {
  [EXIT.authorized]: 'authorized',
  [EXIT.denied]: 'denied',
  [EXIT.expired]: 'expired',
  [EXIT.failure]: 'error',
  [EXIT.interrupted]: 'cancelled',
}

async function loginFlow(
  io: Io,
  values: ReturnType<typeof parse>['values'],
  env: NodeJS.ProcessEnv,
  outer: AbortSignal | undefined,
  demo: LazyDemo,
  providerId: string,
  renewals: number,
  timeoutSeconds: number | undefined,
  recorder?: FlowRecorder,
): Promise<number> {
  const clock = systemClock
  const verbose = values.verbose
  // Set once the dialect (and its scrubber) exists: every line printed passes through it.
  let scrub = (text: string): string => text
  const bounded = createHttp({
    fetch: createNodeHttpFetch({ env }),
    clock,
    ...(verbose
      ? { onExchange: (x) => io.stderr.write(scrub(`[http] ${x.method} ${x.url} → ${x.status ?? x.error} (${x.ms} ms)\n`)) }
      : {}),
  })
  const http = recorder ? recorder.wrap(bounded) : bounded

  let provider: ProviderConfig
  if (providerId === DEMO_PROVIDER.id) {
    provider = await demo.provider()
  } else {
    const { config, path } = await loadConfig({ configPath: values.config, env })
    provider = findConfigured(config, path, providerId)
  }
  if (values.scope !== undefined) provider = { ...provider, scope: values.scope }

  const controller = new AbortController()
  let timedOut = false
  const onOuter = (): void => controller.abort()
  // A Ctrl-C during start-up (config, demo server) has already fired: honour it.
  if (outer?.aborted) controller.abort()
  outer?.addEventListener('abort', onOuter, { once: true })
  const timer =
    timeoutSeconds === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true
          controller.abort()
        }, timeoutSeconds * 1000)

  // The dialect's scrubber knows the provider's secrets and learns every one its requests
  // carry and its answers deliver; the flow's events and the reporters pass through it.
  const dialect = createDialect(provider, { http, clock }, DEVICE)
  const scrubber = dialect.scrubber
  if (scrubber) scrub = (text) => scrubber.text(text)
  const options = { provider, showToken: values['show-token'], now: () => clock.now(), ...(scrubber === undefined ? {} : { scrubber }) }
  const reporter = values.json ? jsonReporter(io, options) : humanReporter(io, options)
  for (const warning of dialect.warnings ?? []) {
    if (values.json) io.stdout.write(`${JSON.stringify({ event: 'warning', provider: provider.id, message: warning })}\n`)
    else io.stderr.write(`linkscreen: warning: ${warning}\n`)
  }
  // Events are reported in order; a reporter failure (say, a terminal that went away) is kept
  // and reported at the end rather than left as an unhandled rejection.
  let chain = Promise.resolve()
  let reportFailure: unknown
  for (const secret of providerSecrets(provider)) recorder?.addSecret(secret)
  try {
    const result = await runDeviceFlow({
      dialect,
      clock,
      renewals,
      signal: controller.signal,
      random: Math.random,
      // `--retry SECONDS`: how long a failing code request is tried again (none by default).
      codeRetryMs: (wholeNumber(values.retry, '--retry', 0, 86_400) ?? 0) * 1000,
      onEvent: (event) => {
        if (event.type === 'code' || event.type === 'renewed') {
          recorder?.addSecret(event.authorization.device_code)
          recorder?.addSecret(event.authorization.user_code)
        }
        if (event.type === 'authorized') {
          for (const token of [event.tokens.access_token, event.tokens.refresh_token, event.tokens.id_token]) recorder?.addSecret(token)
        }
        chain = chain.then(() => reporter.event(event)).catch((error: unknown) => {
          reportFailure ??= error
        })
      },
    })
    await chain
    if (reportFailure !== undefined) throw reportFailure
    if (result.status === 'cancelled' && timedOut) {
      const error = new LinkscreenError(ErrorCode.Timeout, `no result within --timeout ${timeoutSeconds} s`)
      recorder?.end('timeout')
      await reporter.event({ type: 'error', error })
      return EXIT.failure
    }
    if (result.status === 'cancelled' && values.json) io.stdout.write(`${JSON.stringify({ event: 'cancelled' })}\n`)
    return EXIT_FOR[result.status]
  } finally {
    reporter.close()
    if (timer) clearTimeout(timer)
    outer?.removeEventListener('abort', onOuter)
    await demo.stop()
  }
}

/** Runs the CLI and returns its exit status; never throws. */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const io: Io = options.io ?? { stdout: process.stdout, stderr: process.stderr }
  const env = options.env ?? process.env
  let json = argv.includes('--json')
  try {
    // `check` parses options of its own (electron/cli/check.ts), loaded only when it runs.
    if (argv[0] === 'check') return await (await import('./check')).check(argv.slice(1), { io, env, signal: options.signal })
    const { values, positionals } = parse(argv)
    json = values.json
    const [command, ...rest] = positionals
    if (values.help || command === 'help') {
      io.stdout.write(`${USAGE}\n`)
      return 0
    }
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`)
    // `login --provider demo`: the demo provider's key is made, and its modules load, while the
    // flow's modules do (issue #16: the code sooner). It listens only once the flow asks.
    const demo = lazyDemo()
    if (command === 'login' && values.provider === DEMO_PROVIDER.id) demo.warm()
    if (command !== undefined) await loadFor(command)
    if (command === 'login') return await login(io, values, env, options.signal, demo)
    if (command === 'providers') return await listProviders(io, values.config, env, values.json)
    if (command === 'register') return await register(io, values, env, options.signal)
    if (command === 'approve') return await approve(io, values, env, options.signal)
    if (command === 'serve') return await serve(io, values, env, options.signal)
    if (command === 'accounts') return await listAccounts(io, await serveUrl(values, env), values.json, options.signal)
    if (command === 'logout') return await logout(io, await serveUrl(values, env), values.account, values.json, options.signal)
    throw new UsageError(command ? `unknown command "${command}"` : 'no command given')
  } catch (error) {
    const usage = error instanceof UsageError || error instanceof AccountsUsageError
    const config = isLinkscreenError(error) && (error.code === ErrorCode.Config || error.code === ErrorCode.UnknownProvider)
    // approve's refusals say why (`invalid_code`, `expired_code`, …) rather than `oauth_error`.
    const code = usage ? 'usage' : isApproveError(error) ? error.reason : isLinkscreenError(error) ? error.code : 'internal_error'
    const message = error instanceof Error ? error.message : String(error)
    if (isLinkscreenError(error) && error.code === ErrorCode.Aborted) {
      if (json) io.stdout.write(`${JSON.stringify({ event: 'cancelled' })}\n`)
      return EXIT.interrupted
    }
    if (json) io.stdout.write(`${JSON.stringify({ event: 'error', code, message })}\n`)
    io.stderr.write(`linkscreen: ${message}\n${usage ? `\n${USAGE}\n` : ''}`)
    if (isApproveError(error) && error.reason === 'expired_code') return EXIT.expired
    return usage || config ? EXIT.usage : EXIT.failure
  }
}
