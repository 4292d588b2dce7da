/**
 * Screenshot baselines: compare a screenshot with the committed PNG under test/e2e/baselines/
 * (pixelmatch, small tolerance) or, with UPDATE_BASELINES=1, write it. 4K screenshots are
 * halved (2×2 box filter) before comparing and storing, so the set stays small.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pixelmatch from 'pixelmatch'
import { PNG } from 'pngjs'

export const BASELINES = join(import.meta.dirname, '..', 'baselines')
export const DIFFS = 'test-results/screenshots'
export const UPDATE = process.env.UPDATE_BASELINES === '1'
/** Share of pixels allowed to differ (after pixelmatch's own anti-aliasing allowance). */
export const TOLERANCE = 0.002

/** Halves a PNG by averaging each 2×2 block. */
export function halve(png: PNG): PNG {
  const w = Math.floor(png.width / 2)
  const h = Math.floor(png.height / 2)
  const out = new PNG({ width: w, height: h })
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 4; c++) {
        const at = (dx: number, dy: number) => png.data[((2 * y + dy) * png.width + 2 * x + dx) * 4 + c]!
        out.data[(y * w + x) * 4 + c] = Math.round((at(0, 0) + at(1, 0) + at(0, 1) + at(1, 1)) / 4)
      }
    }
  }
  return out
}

/** What a comparison found. */
export interface Compared {
  readonly name: string
  /** `written` when updating or when no baseline exists yet and updating was asked for. */
  readonly result: 'same' | 'different' | 'missing' | 'written' | 'resized'
  readonly differing: number
  readonly total: number
}

/** Compares `shot` (a PNG screenshot) with the baseline `name`.png; halves it when wider than 2000 px. */
export function compareWithBaseline(name: string, shot: Buffer): Compared {
  const read: PNG = PNG.sync.read(shot)
  const png = read.width > 2000 ? halve(read) : read
  const file = join(BASELINES, `${name}.png`)
  const total = png.width * png.height
  if (UPDATE) {
    mkdirSync(BASELINES, { recursive: true })
    writeFileSync(file, PNG.sync.write(png, { colorType: 2, deflateLevel: 9 }))
    return { name, result: 'written', differing: 0, total }
  }
  mkdirSync(DIFFS, { recursive: true })
  writeFileSync(join(DIFFS, `${name}.actual.png`), PNG.sync.write(png, { colorType: 2 }))
  if (!existsSync(file)) return { name, result: 'missing', differing: total, total }
  const base = PNG.sync.read(readFileSync(file))
  if (base.width !== png.width || base.height !== png.height) return { name, result: 'resized', differing: total, total }
  const diff = new PNG({ width: png.width, height: png.height })
  const differing = pixelmatch(base.data, png.data, diff.data, png.width, png.height, { threshold: 0.1 })
  if (differing > 0) writeFileSync(join(DIFFS, `${name}.diff.png`), PNG.sync.write(diff))
  return { name, result: differing <= total * TOLERANCE ? 'same' : 'different', differing, total }
}

/** A PNG drawn by `paint(x, y)` → [r, g, b, a]. */
export function drawPng(width: number, height: number, paint: (x: number, y: number) => readonly [number, number, number, number]): Buffer {
  const png = new PNG({ width, height })
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b, a] = paint(x, y)
      png.data.set([r, g, b, a], (y * width + x) * 4)
    }
  }
  return PNG.sync.write(png)
}
