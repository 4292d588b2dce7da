/** Wire shapes and small helpers shared by the tests that drive servers by hand. */

/** An RFC 8628 §3.2 device authorization response, as the servers under test send it. */
export interface DeviceCodeResponse {
  device_code: string
  user_code: string
  verification_uri: string
  verification_uri_complete: string
  expires_in: number
  interval: number
}

/** A status and a parsed JSON body. */
export interface Reply {
  status: number
  body: Record<string, unknown>
}

export const sleep = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms))
