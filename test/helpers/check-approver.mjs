#!/usr/bin/env node
/**
 * The `--approve-with` command the check tests use: `node check-approver.mjs CONTROL_URL
 * USER_CODE [deny]` asks the test's control server (test/helpers/check-control.ts) to approve
 * or deny USER_CODE at the server under test, as a person would, and exits 0 when it did.
 * `LINKSCREEN_CHECK_VERIFICATION_URI` (set by `linkscreen check`) is passed on.
 */
const [url, userCode, decision] = process.argv.slice(2)
const response = await fetch(url, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    userCode,
    decision: decision === 'deny' ? 'deny' : 'approve',
    verificationUri: process.env.LINKSCREEN_CHECK_VERIFICATION_URI,
    envDecision: process.env.LINKSCREEN_CHECK_DECISION,
  }),
})
process.stdout.write(`${await response.text()}\n`)
process.exit(response.ok ? 0 : 1)
