/**
 * Tiny field assertions for response and configuration parsing. Each error names the field
 * and what was expected, never the value (which may be a secret).
 */
import { ErrorCode, LinkscreenError } from './errors'

export type JsonObject = { readonly [key: string]: unknown }

function invalid(where: string, field: string, expected: string): LinkscreenError {
  return new LinkscreenError(ErrorCode.InvalidResponse, `${where}: "${field}" ${expected}`)
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function assertJsonObject(value: unknown, where: string): JsonObject {
  if (!isJsonObject(value)) {
    throw new LinkscreenError(ErrorCode.InvalidResponse, `${where}: body must be a JSON object, got ${describe(value)}`)
  }
  return value
}

/** A required non-empty string of at most `maxLength` characters. */
export function assertString(body: JsonObject, field: string, where: string, maxLength = 4096): string {
  const value = body[field]
  if (value === undefined) throw invalid(where, field, 'is missing')
  if (typeof value !== 'string') throw invalid(where, field, `must be a string, got ${describe(value)}`)
  if (value.length === 0) throw invalid(where, field, 'must not be empty')
  if (value.length > maxLength) throw invalid(where, field, `must be at most ${maxLength} characters`)
  return value
}

export function optionalString(body: JsonObject, field: string, where: string, maxLength = 4096): string | undefined {
  return body[field] === undefined || body[field] === null ? undefined : assertString(body, field, where, maxLength)
}

/**
 * A whole number of seconds within `[min, max]`. Numeric strings are accepted because several
 * real providers send them (`"expires_in": "1800"`).
 */
export function assertSeconds(body: JsonObject, field: string, where: string, min: number, max: number): number {
  const raw = body[field]
  if (raw === undefined) throw invalid(where, field, 'is missing')
  const value = typeof raw === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : raw
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalid(where, field, `must be a number of seconds, got ${describe(raw)}`)
  }
  if (value < min || value > max) throw invalid(where, field, `must be between ${min} and ${max} seconds, got ${value}`)
  return Math.round(value)
}

export function optionalSeconds(body: JsonObject, field: string, where: string, min: number, max: number): number | undefined {
  return body[field] === undefined || body[field] === null ? undefined : assertSeconds(body, field, where, min, max)
}
