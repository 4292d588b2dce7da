/** Which URLs the app may hand to the system browser. */
import { parseSafeUrl } from '../core/urls'

/**
 * True for an `https:` URL, or plain `http:` to a loopback host (the demo provider, local test
 * servers). `javascript:`, `file:`, `data:` and remote `http:` are refused.
 */
export function isOpenableVerificationUrl(url: string): boolean {
  try {
    parseSafeUrl(url, 'verification URL')
    return true
  } catch {
    return false
  }
}
