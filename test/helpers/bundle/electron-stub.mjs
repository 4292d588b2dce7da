// The recording stand-in of test/helpers/fake-electron.ts, as an ES module named `electron`.
const { createFakeElectron } = await import('../fake-electron.ts')
const fake = createFakeElectron()
globalThis.__linkscreenFakeElectron = fake
export default fake
export const { app, ipcMain, ipcRenderer, safeStorage, BrowserWindow, session, protocol, powerMonitor, shell, net, contextBridge } = fake
export const dialog = {}
