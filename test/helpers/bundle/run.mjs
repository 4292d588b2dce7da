// Loads the BUILT main process (dist-electron/main.js) on the stand-in, drives one demo sign-in
// to a code on screen through its IPC handlers, then quits; prints one JSON line of findings.
const [, , mainPath, userData] = process.argv
process.argv = ['/opt/linkscreen/linkscreen', '.', '--user-data-dir', userData, '--provider', 'demo']
await import(mainPath)
const fake = globalThis.__linkscreenFakeElectron
fake.app.becomeReady()
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
for (let i = 0; i < 200 && !fake.BrowserWindow.created[0]?.loaded; i++) await sleep(50)
const win = fake.BrowserWindow.created[0]
const contents = win.webContents
const invoke = (channel, request = null) => fake.ipcMain.handlers.get(channel)({ sender: contents, senderFrame: contents.mainFrame }, request)
const info = await invoke('app:info')
await invoke('auth:start', { providerId: 'demo' })
let state = await invoke('auth:state')
for (let i = 0; i < 200 && state.status !== 'waiting'; i++, state = await invoke('auth:state')) await sleep(50)
const page = await fake.protocol.handlers.get('app')(new Request('app://linkscreen/index.html'))
const html = await page.text()
const quitsBefore = fake.app.quitCalls
fake.app.emit('before-quit', { preventDefault() {} })
for (let i = 0; i < 100 && fake.app.quitCalls === quitsBefore; i++) await sleep(50)
process.stdout.write(`${JSON.stringify({ loaded: win.loaded, preload: win.options.webPreferences.preload, info, state, page: { status: page.status, csp: page.headers.get('content-security-policy'), root: html.includes('id="root"') }, quit: fake.app.quitCalls > quitsBefore })}\n`)
process.exit(0)
