/**
 * Watches the configuration file so that an edit applies while the app runs.
 *
 * `fs.watch` on the file itself follows its inode. Most editors (and config tools) save by
 * writing a new file and renaming it over the old one, so after the first save such a watch
 * looks at a file that no longer has a name and never fires again. This watches the file's
 * folder instead and reacts to events for the file's name (or with no name, which some
 * platforms give), so every save, a delete and a re-creation are all seen. Bursts of events
 * (an editor's write, rename and chmod) are debounced into one reload, and reloads never overlap.
 */
import { watch, type FSWatcher } from 'node:fs'
import { basename, dirname } from 'node:path'

export interface ConfigWatch {
  close(): void
}

export interface ConfigWatchOptions {
  /** Quiet time before a reload, in milliseconds (300: an editor's save is several events). */
  readonly debounceMs?: number
  /** The folder could not be watched, or the watch failed later; changes then apply at the next start. */
  readonly onError?: (error: unknown) => void
}

/**
 * Calls `reload` after the file at `path` changes, is replaced, deleted or created again.
 * `reload` reads the file itself (a deleted file is its "file not found" case) and should not
 * throw; if it does, the error goes to `onError` and watching goes on. Answers undefined when
 * the folder cannot be watched.
 */
export function watchConfigFile(path: string, reload: () => Promise<void>, options: ConfigWatchOptions = {}): ConfigWatch | undefined {
  const name = basename(path)
  const onError = options.onError ?? (() => undefined)
  let timer: NodeJS.Timeout | undefined
  let running = false
  let again = false
  let closed = false

  const run = async (): Promise<void> => {
    if (running) {
      again = true
      return
    }
    running = true
    try {
      do {
        again = false
        await reload().catch(onError)
      } while (again && !closed)
    } finally {
      running = false
    }
  }

  let watcher: FSWatcher
  try {
    watcher = watch(dirname(path), { persistent: false }, (_event, filename) => {
      if (closed || (filename !== null && filename.toString() !== name)) return
      clearTimeout(timer)
      timer = setTimeout(() => void run(), options.debounceMs ?? 300)
    })
  } catch (error) {
    onError(error)
    return undefined
  }
  // An FSWatcher that errors with no listener would throw in main; report it instead.
  watcher.on('error', onError)
  return {
    close() {
      closed = true
      clearTimeout(timer)
      watcher.close()
    },
  }
}
