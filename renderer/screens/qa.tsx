/**
 * The QA panel (desktop and QA users; never in kiosk mode): the current or last flow's HTTP
 * exchanges as a chart and a table, refreshed every second while open, and "Export JSON".
 * Back (or Close) returns to where it was opened.
 */
import { useEffect, useMemo } from 'react'
import { useShallow } from 'zustand/react/shallow'
import { useActions } from '../actions'
import { ChartLegend, FlowChart } from '../components/flow-chart'
import { FlowTable } from '../components/flow-table'
import { FocusButton } from '../components/focus-button'
import { Notice } from '../components/notice'
import { Screen } from '../components/screen'
import { StatusLine } from '../components/status-line'
import { useBack } from '../focus/use-back'
import { chartModel, OUTCOMES, resultText, shortUrl, type ExchangeOutcome } from '../format/flow-log'
import type { MessageKey } from '../i18n/catalogue'
import { errorKey } from '../i18n/translate'
import { useLanguage, useT } from '../i18n/use-t'
import { useStore } from '../store'

/** How often the log is fetched again while the panel is open. */
const REFRESH_MS = 1000

const KIND_KEYS: { readonly [O in ExchangeOutcome]: MessageKey } = {
  pending: 'qa.kind.pending',
  slow_down: 'qa.kind.slow_down',
  success: 'qa.kind.success',
  error: 'qa.kind.error',
  network: 'qa.kind.network',
  in_flight: 'qa.kind.in_flight',
}

export function QaScreen() {
  const t = useT()
  const language = useLanguage()
  const actions = useActions()
  const { log, logState, intervals, exportNote } = useStore(useShallow((s) => ({ log: s.log, logState: s.logState, intervals: s.intervals, exportNote: s.exportNote })))
  useBack(() => actions.closeQa())
  useEffect(() => {
    const timer = window.setInterval(() => void actions.loadLog(), REFRESH_MS)
    return () => window.clearInterval(timer)
  }, [actions])

  const model = useMemo(() => (log ? chartModel(log, intervals) : null), [log, intervals])
  const number = useMemo(() => new Intl.NumberFormat(language, { maximumFractionDigits: 2 }), [language])
  const fixed2 = useMemo(() => new Intl.NumberFormat(language, { minimumFractionDigits: 2, maximumFractionDigits: 2 }), [language])
  const time = useMemo(() => new Intl.DateTimeFormat(language, { timeStyle: 'medium' }), [language])
  const kind = (outcome: ExchangeOutcome): string => t(KIND_KEYS[outcome])

  let summary: string | null = null
  if (log) {
    const head = t('qa.summary', { provider: log.provider ?? '—', start: time.format(Date.parse(log.startedAt)), count: log.entries.length })
    const tail = log.outcome === undefined ? t('qa.running') : t('qa.outcome', { outcome: log.outcome, duration: fixed2.format((log.durationMs ?? 0) / 1000) })
    summary = `${head} · ${tail}`
  }

  return (
    <Screen name="qa" title={t('qa.title')}>
      {log && model ? (
        <>
          <p className="qa__summary">
            {summary}
            {log.dropped > 0 && <span className="qa__dropped"> {t('qa.dropped', { count: log.dropped })}</span>}
          </p>
          <FlowChart
            model={model}
            label={t('qa.chartLabel', { count: log.entries.length })}
            axisX={t('qa.axisX')}
            axisY={t('qa.axisY')}
            intervalLabel={(seconds) => t('qa.intervalValue', { seconds: number.format(seconds) })}
            formatNumber={(n) => number.format(n)}
            describe={(p) =>
              [`#${p.seq}`, `${fixed2.format(p.x)} s`, `${p.entry.method} ${shortUrl(p.entry.url)}`, `${p.entry.status ?? '—'} ${resultText(p.entry) || kind(p.outcome)}`, p.entry.durationMs === undefined ? '' : `${p.entry.durationMs} ms`]
                .filter((part) => part !== '')
                .join(' · ')
            }
          />
          <ChartLegend
            items={OUTCOMES.filter((o) => o !== 'in_flight' || model.points.some((p) => p.outcome === 'in_flight')).map((outcome) => ({ outcome, label: kind(outcome) }))}
            interval={model.steps.length > 0 ? { known: true, label: t('qa.interval') } : { known: false, label: t('qa.intervalUnknown') }}
          />
          <FlowTable
            entries={log.entries}
            seconds={(ms) => fixed2.format(ms / 1000)}
            labels={{
              caption: t('qa.tableLabel'),
              seq: t('qa.col.seq'),
              time: t('qa.col.time'),
              method: t('qa.col.method'),
              url: t('qa.col.url'),
              status: t('qa.col.status'),
              result: t('qa.col.result'),
              duration: t('qa.col.duration'),
              outcome: kind,
            }}
          />
        </>
      ) : (
        <p className="lead">{logState === 'failed' ? t('qa.loadFailed') : logState === 'ready' ? t('qa.none') : t('app.connecting')}</p>
      )}
      {exportNote?.kind === 'saved' && <StatusLine text={t('qa.exported', { path: exportNote.path })} tone="busy" />}
      {exportNote?.kind === 'downloaded' && <StatusLine text={t('qa.downloaded', { file: exportNote.file })} tone="busy" />}
      {exportNote?.kind === 'failed' && <Notice title={t(errorKey(exportNote.code))} detail={exportNote.message || null} />}
      <div className="actions qa__actions">
        <FocusButton label={t('qa.export')} variant="primary" autoFocus onPress={() => void actions.exportLog()} />
        <FocusButton label={t('qa.close')} onPress={() => actions.closeQa()} />
      </div>
    </Screen>
  )
}
