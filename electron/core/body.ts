/**
 * The bytes of a response body the core already holds (`createHttp` reads every body whole,
 * within its limit), kept beside the `Response` so that each reader (the scrubber learning what
 * an answer delivers, the network-answer checks, the JSON parsers) gets the text at once,
 * decoded once, instead of cloning the response (a stream tee each) and decoding again.
 */
const bodies = new WeakMap<Response, { readonly bytes: Uint8Array; text?: string }>()
const decoder = new TextDecoder()

/** Records that `response`'s body is exactly `bytes`. */
export function rememberBody(response: Response, bytes: Uint8Array): Response {
  bodies.set(response, { bytes })
  return response
}

/** The body bytes recorded for `response`, if any. */
export function rememberedBytes(response: Response): Uint8Array | undefined {
  return bodies.get(response)?.bytes
}

/**
 * The body as text (UTF-8, as `Response.text()` decodes it), leaving `response` unread: from the
 * recorded bytes when there are some, else from a clone.
 */
export async function bodyText(response: Response): Promise<string> {
  const held = bodies.get(response)
  if (held === undefined) return response.clone().text()
  held.text ??= decoder.decode(held.bytes)
  return held.text
}
