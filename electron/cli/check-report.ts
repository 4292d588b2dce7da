/**
 * The renderings of a `CheckReport`: grouped lines for a terminal (coloured only on a TTY), one
 * JSON document for CI, and one self-contained HTML page (inline CSS, no script, no external
 * resource, every text escaped) that reads offline.
 *
 * The report reaching here is already scrubbed of secrets (see check-probes.ts); text is still
 * cleaned of control characters on the way out, since it may hold a server's words.
 */
import type { FlowLogEntry } from '../core/flow-log'
import { cleanText } from '../core/redact'
import { GROUP_TITLES, type CheckReport, type Finding, type Group, type Status } from './check-probes'

const GROUPS = Object.keys(GROUP_TITLES) as Group[]
const SYMBOL: Readonly<Record<Status, string>> = { pass: '✔', warn: '⚠', fail: '✖', skip: '–' }
const COLOUR: Readonly<Record<Status, string>> = { pass: '32', warn: '33', fail: '31', skip: '90' }

/** One exchange in a line: `POST http://…/token → 400 application/json authorization_pending (12 ms)`. */
export function exchangeLine(entry: FlowLogEntry): string {
  const answer =
    entry.status !== undefined
      ? `${entry.status}${entry.contentType ? ` ${entry.contentType}` : ''}${entry.oauthError ? ` ${entry.oauthError}` : ''}`
      : entry.failure
        ? `${entry.failure.code}${entry.failure.reason ? ` (${entry.failure.reason})` : ''}`
        : 'no answer'
  const fields = entry.requestFields && entry.requestFields.length > 0 ? ` [${entry.requestFields.join(', ')}]` : ''
  return cleanText(`#${entry.seq} ${entry.method} ${entry.url}${fields} → ${answer}${entry.durationMs === undefined ? '' : ` (${entry.durationMs} ms)`}`, 400)
}

function summaryLine(report: CheckReport): string {
  const s = report.summary
  return `${s.pass} passed, ${s.warn} warning${s.warn === 1 ? '' : 's'}, ${s.fail} failed, ${s.skip} skipped`
}

function requestsLine(report: CheckReport): string {
  const limited = report.rateLimited.times > 0 ? `; rate-limited ${report.rateLimited.times}× (backed off ${Math.round(report.rateLimited.waitedMs / 100) / 10} s)` : ''
  return `Requests: ${report.requests.used} of at most ${report.requests.max}${limited}; ${Math.round(report.durationMs / 100) / 10} s`
}

/** The human report. Evidence is printed for warnings and failures. */
export function humanReport(report: CheckReport, colour: boolean): string {
  const paint = (status: Status, text: string): string => (colour ? `\u001b[${COLOUR[status]}m${text}\u001b[0m` : text)
  const bold = (text: string): string => (colour ? `\u001b[1m${text}\u001b[0m` : text)
  const name = report.provider.name ? `${cleanText(report.provider.name, 100)} (${report.provider.id})` : report.provider.id
  const lines = [bold(`linkscreen check: ${name}, ${report.provider.dialect} dialect`), '']
  for (const group of GROUPS) {
    const findings = report.findings.filter((f) => f.group === group)
    if (findings.length === 0) continue
    lines.push(bold(GROUP_TITLES[group]))
    for (const f of findings) {
      const refs = f.refs.length > 0 ? ` [${f.refs.map((r) => r.label).join('; ')}]` : ''
      lines.push(`  ${paint(f.status, `${SYMBOL[f.status]} ${f.status.padEnd(4)}`)} ${f.title}: ${cleanText(f.detail, 600)}${refs}`)
      if (f.status === 'warn' || f.status === 'fail') for (const e of f.evidence.slice(-4)) lines.push(`           ${exchangeLine(e)}`)
    }
    lines.push('')
  }
  const verdict = report.summary.fail > 0 ? paint('fail', summaryLine(report)) : report.summary.warn > 0 ? paint('warn', summaryLine(report)) : paint('pass', summaryLine(report))
  lines.push(verdict)
  lines.push(requestsLine(report))
  if (report.approval === 'none') lines.push('Approval and denial were skipped: pass --approve-with CMD (or run on a terminal) to check them.')
  return `${lines.join('\n')}\n`
}

/** The JSON report (one document). */
export function jsonReport(report: CheckReport): string {
  return `${JSON.stringify(report, null, 2)}\n`
}

/** Text for HTML: every character that could open markup or an attribute is escaped. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`)
}

const CSS = `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1b1b1b;background:#fff}
h1{font-size:1.4rem;margin-bottom:.2rem}h2{font-size:1.1rem;margin-top:1.8rem;border-bottom:1px solid #ddd}
.meta{color:#555}.summary{font-weight:600}
table{border-collapse:collapse;width:100%}td{vertical-align:top;padding:.35rem .4rem;border-bottom:1px solid #eee}
.status{font-weight:700;white-space:nowrap;width:5.5rem}.pass{color:#1a7f37}.warn{color:#9a6700}.fail{color:#cf222e}.skip{color:#6e7781}
.refs{font-size:.85rem;color:#555}code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.8rem}
pre{white-space:pre-wrap;word-break:break-all;background:#f6f8fa;padding:.4rem;margin:.3rem 0 0}
details summary{cursor:pointer;color:#555;font-size:.85rem}
@media (prefers-color-scheme:dark){body{background:#0d1117;color:#e6edf3}pre{background:#161b22}td{border-color:#30363d}.meta,.refs,details summary{color:#8b949e}}
`

function findingRow(f: Finding): string {
  const refs = f.refs.map((r) => `<a href="${escapeHtml(r.url)}">${escapeHtml(r.label)}</a>`).join(' · ')
  const evidence =
    f.evidence.length === 0
      ? ''
      : `<details><summary>${f.evidence.length} exchange${f.evidence.length === 1 ? '' : 's'}</summary><pre>${f.evidence.map((e) => escapeHtml(exchangeLine(e))).join('\n')}</pre></details>`
  return `<tr><td class="status ${f.status}">${SYMBOL[f.status]} ${f.status}</td><td><strong>${escapeHtml(f.title)}</strong> <code>${escapeHtml(f.id)}</code><br>${escapeHtml(cleanText(f.detail, 600))}${refs ? `<div class="refs">${refs}</div>` : ''}${evidence}</td></tr>`
}

/** The HTML report: one file, inline CSS, no script, no external resource. */
export function htmlReport(report: CheckReport): string {
  const name = report.provider.name ? `${report.provider.name} (${report.provider.id})` : report.provider.id
  const sections = GROUPS.map((group) => {
    const findings = report.findings.filter((f) => f.group === group)
    if (findings.length === 0) return ''
    return `<h2>${escapeHtml(GROUP_TITLES[group])}</h2>\n<table>${findings.map(findingRow).join('\n')}</table>`
  }).join('\n')
  const overall: Status = report.summary.fail > 0 ? 'fail' : report.summary.warn > 0 ? 'warn' : 'pass'
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>linkscreen check: ${escapeHtml(cleanText(name, 120))}</title>
<style>${CSS}</style>
</head>
<body>
<h1>Device-flow conformance: ${escapeHtml(cleanText(name, 120))}</h1>
<p class="meta">${escapeHtml(report.provider.dialect)} dialect · started ${escapeHtml(report.startedAt)} · approval: ${escapeHtml(report.approval)}</p>
<p class="summary ${overall}">${escapeHtml(summaryLine(report))}</p>
<p class="meta">${escapeHtml(requestsLine(report))}</p>
${sections}
<p class="meta">Made by <code>linkscreen check</code>. Exchanges are the redacted flow log: no token, device code, user code, client secret or header value.</p>
</body>
</html>
`
}
