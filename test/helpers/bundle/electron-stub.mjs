// The recording stand-in of test/helpers/fake-electron.ts, as an ES module named `electron`.
// Named exports must be spelled out in ESM: every member of the stand-in is listed here.
const { createFakeElectron } = await import('../fake-electron.ts')
const fake = createFakeElectron()
globalThis.__linkscreenFakeElectron = fake
export default fake
export const { app, ipcMain, ipcRenderer, safeStorage, BrowserWindow, Menu, MenuItem, clipboard, session, protocol, powerMonitor, shell, net, contextBridge } = fake
export const dialog = {}
