/**
 * The stand-in's system clipboard, and what the page's `navigator.clipboard.writeText` does in
 * Electron, so that a test sees whether "copy code" really reaches the clipboard.
 */

/**
 * `clipboard` in main (docs/api/clipboard.md, Electron 45): `writeText(text)` and `readText()`
 * answer promises; on Linux `clipboard.selection` is a second, independent clipboard.
 */
export class FakeClipboard {
  private text = ''
  readonly writes: string[] = []
  private selectionClipboard: FakeClipboard | undefined
  async writeText(text: string): Promise<void> {
    if (typeof text !== 'string') throw new TypeError('clipboard.writeText: text must be a string')
    this.writes.push(text)
    this.text = text
  }
  async readText(): Promise<string> {
    return this.text
  }
  clear(): void {
    this.text = ''
  }
  /** Linux only, as documented; undefined on other platforms. */
  get selection(): FakeClipboard | undefined {
    if (process.platform !== 'linux') return undefined
    this.selectionClipboard ??= new FakeClipboard()
    return this.selectionClipboard
  }
}

/** The permission handlers a session holds (`setPermissionCheckHandler` / `setPermissionRequestHandler`). */
export interface PermissionHandlers {
  readonly permissionCheck: ((contents: unknown, permission: string, requestingOrigin: string, details: object) => boolean) | undefined
  readonly permissionRequest: ((contents: unknown, permission: string, callback: (granted: boolean) => void, details: object) => void) | undefined
}

/** `scheme://host` of the page's URL (WHATWG gives "null" for `app:`, Chromium does not). */
function originOf(url: string): string {
  const parsed = new URL(url)
  return `${parsed.protocol}//${parsed.host}`
}

/**
 * Test control: the page at `pageUrl` calls `navigator.clipboard.writeText(text)`.
 *
 * Chromium asks for `clipboard-sanitized-write`; Electron's permission manager
 * (shell/browser/electron_permission_manager.cc) answers checks with the session's check handler
 * (none installed: granted) and requests with its request handler (none installed: granted).
 * "Most web APIs do a permission check and then make a permission request if the check is
 * denied" (docs/api/session.md). Denied both ways, the page's promise rejects with
 * `NotAllowedError` ("Write permission denied.", Blink's clipboard_promise.cc) and the clipboard
 * is untouched.
 */
export async function pageWritesClipboard(handlers: PermissionHandlers, clipboard: FakeClipboard, contents: unknown, pageUrl: string, text: string): Promise<void> {
  const origin = originOf(pageUrl)
  const permission = 'clipboard-sanitized-write'
  const checked = handlers.permissionCheck ? handlers.permissionCheck(contents, permission, origin, { embeddingOrigin: origin, requestingUrl: pageUrl, isMainFrame: true }) : true
  const granted =
    checked ||
    (handlers.permissionRequest
      ? await new Promise<boolean>((resolve) => handlers.permissionRequest?.(contents, permission, resolve, { requestingUrl: pageUrl, isMainFrame: true, permissions: [permission] }))
      : true)
  if (!granted) throw new DOMException('Write permission denied.', 'NotAllowedError')
  await clipboard.writeText(text)
}
