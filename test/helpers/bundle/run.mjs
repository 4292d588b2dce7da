// Loads the BUILT main process (dist-electron/main.js) on the stand-in, on the machine given as
// JSON (test/helpers/fake-safe-storage.ts), drives one demo sign-in to a code on screen through
// its IPC handlers as the page would send them, then quits; prints one JSON line of findings.
const [, , mainPath, userData, machineJson, configPath] = process.argv
const machine = JSON.parse(machineJson)
if (machine.platform !== process.platform) Object.defineProperty(process, 'platform', { value: machine.platform })
process.argv = ['/opt/linkscreen/linkscreen', '.', '--user-data-dir', userData, '--provider', 'demo', ...(configPath ? ['--config', configPath] : [])]
// Resolved to the stand-in by the module hook (register.mjs); the built main gets the same one.
const { default: fake } = await import('electron')
fake.safeStorage.startOn(machine)
await import(mainPath)
fake.app.becomeReady()
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
for (let i = 0; i < 200 && !fake.BrowserWindow.created[0]?.loaded; i++) await sleep(50)
const win = fake.BrowserWindow.created[0]
const contents = win.webContents
const invoke = (channel, request = null) => fake.invokeFromPage(contents, channel, request)
let info = await invoke('app:info')
for (let i = 0; i < 200 && info.storage === 'opening'; i++, info = await invoke('app:info')) await sleep(50)
await invoke('auth:start', { providerId: 'demo' })
let state = await invoke('auth:state')
for (let i = 0; i < 200 && state.status !== 'waiting'; i++, state = await invoke('auth:state')) await sleep(50)
// The same channel from a child frame, and from the main frame after it left the app's page.
const fromChildFrame = await fake.invokeFromPage(contents, 'accounts:list', null, { url: 'app://linkscreen/index.html' })
const page = await fake.protocol.handlers.get('app')(new Request('app://linkscreen/index.html'))
const html = await page.text()
const quitsBefore = fake.app.quitCalls
fake.app.emit('before-quit', { preventDefault() {} })
for (let i = 0; i < 100 && fake.app.quitCalls === quitsBefore; i++) await sleep(50)
process.stdout.write(
  `${JSON.stringify({ loaded: win.loaded, preload: win.options.webPreferences.preload, info, state, fromChildFrame, page: { status: page.status, csp: page.headers.get('content-security-policy'), root: html.includes('id="root"') }, quit: fake.app.quitCalls > quitsBefore })}\n`,
)
process.exit(0)
