/**
 * Provider configuration: a JSON file validated against one schema (exported as JSON Schema
 * in `linkscreen.schema.json`). Errors name the file and the field. Reading the file is the
 * adapters' job; this module only parses text.
 */
import { z } from 'zod'
import { ErrorCode, LinkscreenError } from './errors'
import { jsonErrorOffset, lineAndColumn } from './json-position'
import { MICROSOFT_TENANT } from './dialects/microsoft'
import { isSafeUrl } from './urls'

const secureUrl = z
  .string()
  .refine((value) => URL.canParse(value), { message: 'must be an absolute URL' })
  .refine((value) => !URL.canParse(value) || isSafeUrl(new URL(value)), {
    message: 'must use https: (plain http: is allowed only for loopback hosts)',
  })

const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

const common = {
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must be 1-64 characters: lower-case letters, digits, ".", "_" or "-"')
    .refine((id) => id !== 'demo', { message: '"demo" is reserved for the built-in demo provider' }),
  name: z.string().min(1).max(100).optional(),
  clientId: z.string().min(1).max(512),
  clientSecret: z.string().min(1).max(4096).optional(),
  scope: z.string().max(2048).optional(),
  headers: z
    .record(z.string(), z.string().max(8192).regex(/^[^\u0000\r\n]*$/, 'header values must not contain line breaks or NUL'))
    .refine((headers) => Object.keys(headers).every((name) => headerName.test(name)), { message: 'header names must be HTTP tokens' })
    .optional(),
  /**
   * How the provider looks on the screen. Checked when loaded (services/branding.ts): a logo or
   * colour that fails its check is ignored with a warning, never an error.
   */
  branding: z
    .strictObject({
      logo: z
        .string()
        .min(1)
        .max(4096)
        .optional()
        .describe('A local PNG, JPEG or WebP file of at most 256 KB (relative to this file); SVG and URLs are not accepted'),
      accent: z
        .string()
        .max(64)
        .optional()
        .describe("The provider's colour, #rgb or #rrggbb, with at least 4.5:1 contrast against the screen's background #0b0d10"),
    })
    .optional(),
}

const endpoints = z.strictObject({
  deviceAuthorization: secureUrl,
  token: secureUrl,
  userinfo: secureUrl.optional(),
  revocation: secureUrl.optional(),
  /** The provider's signing keys (JWKS): ID tokens are then checked against them. */
  jwks: secureUrl.optional(),
})

/** A secret the provider demands: its absence is named plainly. */
const requiredSecret = (provider: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? `${provider} requires a clientSecret` : 'must be a string') }).min(1).max(4096)

export const providerSchema = z.discriminatedUnion('dialect', [
  z.strictObject({ ...common, dialect: z.literal('oauth2'), issuer: secureUrl.optional(), endpoints }),
  z.strictObject({ ...common, dialect: z.literal('oidc'), issuer: secureUrl }),
  z.strictObject({ ...common, dialect: z.literal('better-auth'), baseUrl: secureUrl }),
  z.strictObject({
    ...common,
    dialect: z.literal('trakt'),
    staging: z.boolean().optional(),
    baseUrl: secureUrl.optional(),
  }),
  z.strictObject({
    ...common,
    dialect: z.literal('api-v1'),
    baseUrl: secureUrl,
    bodyEncoding: z.enum(['json', 'form', 'multipart']).optional(),
    device: z
      .strictObject({
        name: z.string().max(200).optional(),
        model: z.string().max(200).optional(),
        os: z.string().max(200).optional(),
        appVersion: z.string().max(50).optional(),
      })
      .optional(),
  }),
  z.strictObject({ ...common, dialect: z.literal('github'), baseUrl: secureUrl.optional(), apiBaseUrl: secureUrl.optional() }),
  z.strictObject({
    ...common,
    dialect: z.literal('google'),
    clientSecret: requiredSecret('Google'),
    baseUrl: secureUrl.optional(),
    userinfoUrl: secureUrl.optional(),
  }),
  z.strictObject({
    ...common,
    dialect: z.literal('microsoft'),
    tenant: z
      .string()
      .max(253)
      .regex(MICROSOFT_TENANT, 'must be "common", "organizations", "consumers", a tenant GUID or a domain name')
      .optional(),
    baseUrl: secureUrl.optional(),
    userinfoUrl: secureUrl.optional(),
  }),
])

export const configSchema = z
  .strictObject({
    $schema: z.string().optional(),
    providers: z.array(providerSchema).max(100),
    /** Settings of the Electron app; the CLI ignores them. */
    app: z
      .strictObject({
        /** Kiosk screen: full screen, no way to quit, no "open in browser" (same as `--kiosk`). */
        kiosk: z.boolean().optional(),
        /** Full screen, for living-room screens (same as `--fullscreen`). */
        fullscreen: z.boolean().optional(),
        /** The one provider this screen signs in with: no picker (same as `--provider`). */
        provider: z.string().min(1).max(64).optional(),
        /**
         * Keep tokens on disk even when Linux has no keyring and Electron would only obfuscate
         * them (`basic_text`). Off by default: the app then keeps accounts for the run only.
         */
        allowWeakTokenStorage: z.boolean().optional(),
      })
      .optional(),
  })
  .superRefine((config, ctx) => {
    const seen = new Set<string>()
    config.providers.forEach((provider, index) => {
      if (seen.has(provider.id)) {
        ctx.addIssue({ code: 'custom', path: ['providers', index, 'id'], message: `duplicate provider id "${provider.id}"` })
      }
      seen.add(provider.id)
    })
  })

export type ProviderConfig = z.infer<typeof providerSchema>
export type Config = z.infer<typeof configSchema>
export type Dialect = ProviderConfig['dialect']
export const DIALECTS: readonly Dialect[] = ['oauth2', 'oidc', 'better-auth', 'trakt', 'api-v1', 'github', 'google', 'microsoft']

/** Public providers whose endpoints are built in: the user supplies only credentials. */
export const PRESETS: readonly { readonly dialect: Dialect; readonly name: string; readonly needs: readonly ('clientId' | 'clientSecret')[] }[] = [
  { dialect: 'github', name: 'GitHub', needs: ['clientId'] },
  { dialect: 'google', name: 'Google', needs: ['clientId', 'clientSecret'] },
  { dialect: 'microsoft', name: 'Microsoft', needs: ['clientId'] },
  { dialect: 'trakt', name: 'Trakt', needs: ['clientId'] },
]

/**
 * A key as it may be shown: keys come from the file, and a control character (a line break, an
 * escape sequence) or a lone surrogate is written as a `\uXXXX` escape instead.
 */
function shownKey(key: string): string {
  return key.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** `providers[0].endpoints.token` */
function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `${out ? '.' : ''}${shownKey(String(key))}`
  return out || '(root)'
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_union' && 'discriminator' in issue && issue.discriminator === 'dialect') {
    return `unknown dialect; expected one of ${DIALECTS.map((d) => `"${d}"`).join(', ')}`
  }
  if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${shownKey(k)}"`).join(', ')}`
  return issue.message
}

/**
 * Parses configuration text. Every schema error is listed, each as `file: path: message`.
 * Values are never quoted back, since a field may hold a client secret.
 * @param source the file name, for messages
 */
export function parseConfig(text: string, source: string): Config {
  let json: unknown
  const body = text.replace(/^\uFEFF/, '') // a byte-order mark, as Windows editors write
  try {
    json = JSON.parse(body)
  } catch {
    // The engine's message quotes the text around the fault, which may be a secret: report
    // only where it is.
    const offset = jsonErrorOffset(body)
    throw new LinkscreenError(ErrorCode.Config, `${source}: not valid JSON${offset < 0 ? '' : ` (${lineAndColumn(body, offset)})`}`)
  }
  let result: ReturnType<typeof configSchema.safeParse>
  try {
    result = configSchema.safeParse(json)
  } catch {
    // zod 4.6 throws instead of reporting for some shapes: a length-checked string field given
    // an object whose `length` cannot be compared ({"length": {"toString": 1}}).
    throw new LinkscreenError(ErrorCode.Config, `${source}: not a valid configuration: a value that should be text or a list is an object`)
  }
  if (!result.success) {
    const lines = result.error.issues.slice(0, 20).map((issue) => `${source}: ${formatPath(issue.path)}: ${issueMessage(issue)}`)
    throw new LinkscreenError(ErrorCode.Config, lines.join('\n'))
  }
  return result.data
}

/** The provider with `id`, or an `unknown_provider` error listing the known ones. */
/** The values of a provider's configuration that must never be shown: its client secret and header values. */
export { providerSecrets } from './provider-secrets'

export function findProvider<P extends { id: string }>(providers: readonly P[], id: string): P {
  const found = providers.find((provider) => provider.id === id)
  if (found) return found
  const known = providers.map((provider) => provider.id).join(', ') || 'none'
  throw new LinkscreenError(ErrorCode.UnknownProvider, `unknown provider "${id}"; known providers: ${known}`)
}

/** The JSON Schema of the configuration file. */
export function configJsonSchema(): unknown {
  return z.toJSONSchema(configSchema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' })
}
