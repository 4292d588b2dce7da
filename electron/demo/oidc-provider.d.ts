/**
 * Minimal local type declarations for `oidc-provider` v9 (the package ships no
 * types and `@types/oidc-provider` is not installed).
 *
 * Covers ONLY what the demo modules (`electron/demo/*.ts`) use. Shapes were
 * checked against the installed sources (node_modules/oidc-provider/lib,
 * 9.13.3). Values the demo does not rely on are typed `unknown` so they must
 * be narrowed before use.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http'

  /** A JSON-ish object whose members must be narrowed before use. */
  export type UnknownObject = Record<string, unknown>

  /** The parts of a registered client the demo reads. */
  export interface Client {
    readonly clientId: string
    readonly clientName?: string | undefined
    grantTypeAllowed(grantType: string): boolean
  }

  /** The parts of the browser (OP) session the demo reads. */
  export interface Session {
    readonly accountId?: string | undefined
  }

  /** Per-request OIDC context, `ctx.oidc`. Present on oidc-provider routes only. */
  export interface OIDCContext {
    /** Matched route name, e.g. 'token', 'device_authorization', 'code_verification', 'device_resume'. */
    readonly route?: string | undefined
    readonly params?: Readonly<Record<string, unknown>> | undefined
    readonly client?: Client | undefined
    readonly session?: Session | undefined
    readonly result?: { readonly login?: { readonly accountId: string } | undefined } | undefined
  }

  /** The subset of a Koa context the demo touches. */
  export interface KoaContext {
    /** Defined lazily by oidc-provider's router, so absent outside its routes. */
    readonly oidc?: OIDCContext | undefined
    status: number
    body: unknown
    type: string
    set(field: string, value: string): void
  }

  export type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>

  /** What `findAccount` returns. */
  export interface Account {
    readonly accountId: string
    claims(use: string, scope: string, claims: unknown, rejected: readonly string[]): Promise<UnknownObject> | UnknownObject
  }

  /** The error `out` object passed to the HTML sources (`errOut(err)`). */
  export interface ErrorOut {
    readonly error?: string | undefined
    readonly error_description?: string | undefined
  }

  /** Payload stored through an adapter. Only the members the adapter indexes are named. */
  export interface AdapterPayload {
    readonly [key: string]: unknown
    readonly grantId?: string | undefined
    readonly userCode?: string | undefined
    readonly uid?: string | undefined
  }

  /** Storage adapter contract (one instance per model name). */
  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn: number | undefined): Promise<void>
    find(id: string): Promise<AdapterPayload | undefined>
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>
    findByUid(uid: string): Promise<AdapterPayload | undefined>
    consume(id: string): Promise<void>
    destroy(id: string): Promise<void>
    revokeByGrantId(grantId: string): Promise<void>
  }

  /** An interaction session as returned by `provider.interactionDetails`. */
  export interface Interaction {
    readonly uid: string
    /** The authorization (here: device authorization) request parameters, e.g. client_id, scope. */
    readonly params: UnknownObject
    /** jti of the DeviceCode, set for device flow interactions. */
    readonly deviceCode?: string | undefined
  }

  export interface InteractionResults {
    login?: { accountId: string; remember?: boolean }
    consent?: { grantId: string }
    error?: string
    error_description?: string
  }

  export interface Grant {
    addOIDCScope(scope: string): void
    save(): Promise<string>
  }

  export interface DeviceCode {
    readonly userCode?: string | undefined
  }

  export interface ClientMetadata {
    client_id: string
    client_name?: string
    application_type?: 'web' | 'native'
    grant_types: string[]
    response_types: string[]
    redirect_uris: string[]
    token_endpoint_auth_method: string
  }

  export interface JWK {
    readonly [key: string]: unknown
    readonly kty: string
  }

  /** Configuration members the demo sets. */
  export interface Configuration {
    adapter?: (name: string) => Adapter
    claims?: Record<string, string[] | null>
    clientBasedCORS?: (ctx: KoaContext, origin: string, client: Client) => boolean
    clients?: ClientMetadata[]
    cookies?: { keys?: string[]; long?: UnknownObject; short?: UnknownObject }
    expiresWithSession?: (ctx: KoaContext, token: unknown) => boolean | Promise<boolean>
    features?: {
      devInteractions?: { enabled: boolean }
      deviceFlow?: {
        enabled: boolean
        charset?: 'base-20' | 'digits'
        mask?: string
        userCodeInputSource?: (ctx: KoaContext, form: string, out: ErrorOut | undefined, err: unknown) => Promise<void>
        userCodeConfirmSource?: (ctx: KoaContext, form: string, client: Client, deviceInfo: unknown, userCode: string) => Promise<void>
        successSource?: (ctx: KoaContext) => Promise<void>
      }
      revocation?: { enabled: boolean; allowedPolicy?: (ctx: KoaContext, client: Client, token: { readonly clientId?: string | undefined }) => boolean | Promise<boolean> }
      rpInitiatedLogout?: {
        enabled: boolean
        logoutSource?: (ctx: KoaContext, form: string) => Promise<void>
        postLogoutSuccessSource?: (ctx: KoaContext) => Promise<void>
      }
      userinfo?: { enabled: boolean }
    }
    findAccount?: (ctx: KoaContext, sub: string, token: unknown) => Promise<Account | undefined>
    interactions?: {
      policy?: InteractionPolicy
      url?: (ctx: KoaContext, interaction: Interaction) => string | Promise<string>
    }
    issueRefreshToken?: (ctx: KoaContext, client: Client, code: unknown) => boolean | Promise<boolean>
    jwks?: { keys: JWK[] }
    responseTypes?: string[]
    renderError?: (ctx: KoaContext, out: ErrorOut, error: unknown) => Promise<void>
    scopes?: string[]
    ttl?: Record<string, number>
  }

  export class Provider {
    constructor(issuer: string, configuration?: Configuration)
    readonly issuer: string
    /** Koa's "trust X-Forwarded-* headers" switch (the Provider IS the Koa app in v9). */
    proxy: boolean
    /** Adds Koa middleware that runs BEFORE oidc-provider's own router. */
    use(middleware: Middleware): this
    /** Koa request listener for node:http. */
    callback(): (req: IncomingMessage, res: ServerResponse) => void
    on(event: 'server_error', listener: (ctx: KoaContext, error: Error) => void): this
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResults,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>
    readonly Grant: new (init: { accountId: string; clientId: string }) => Grant
    readonly Client: { find(id: string): Promise<Client | undefined> }
    readonly DeviceCode: {
      find(id: string, options?: { ignoreExpiration?: boolean; ignoreSessionBinding?: boolean }): Promise<DeviceCode | undefined>
    }
  }

  /** An interaction policy check (instances only carry data for oidc-provider). */
  export interface PolicyCheck {
    readonly reason: string
  }

  export interface PolicyCheckConstructor {
    new (reason: string, description: string, check: (ctx: KoaContext) => boolean | Promise<boolean>): PolicyCheck
    readonly REQUEST_PROMPT: true
    readonly NO_NEED_TO_PROMPT: false
  }

  export interface Prompt {
    readonly name: string
    readonly checks: { add(check: PolicyCheck, index?: number): void }
  }

  export interface InteractionPolicy extends Array<Prompt> {
    get(name: string): Prompt | undefined
  }

  export const interactionPolicy: {
    base(): InteractionPolicy
    Check: PolicyCheckConstructor
  }

  export default Provider
}
