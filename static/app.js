// Progressive enhancement only: every page works without this file.
import { initAll } from './govuk-frontend.min.js'

document.body.classList.add('govuk-frontend-supported')
initAll()

// Conditional reveals under radios. GOV.UK Frontend's own sets aria-expanded on the radio, which
// the radio role does not allow; this does the same reveal with aria-controls only. Without
// JavaScript the follow-up questions are simply always shown.
for (const input of document.querySelectorAll('input[type="radio"][data-cdop-controls]')) {
  const target = document.getElementById(input.dataset.cdopControls)
  if (!target) continue
  input.setAttribute('aria-controls', target.id)
  const sync = () => target.classList.toggle('govuk-radios__conditional--hidden', !input.checked)
  for (const other of document.querySelectorAll(`input[type="radio"][name="${CSS.escape(input.name)}"]`)) {
    other.addEventListener('change', sync)
  }
  sync()
}

// The session timeout warning (GOV.UK timeout-warning pattern): two minutes before the idle
// timeout, a dialog offers to stay signed in. Without JavaScript, forms are kept as drafts when
// they arrive after the timeout, and the person signs in again to carry on.
const idle = Number(document.body.dataset.idleSeconds || 0)
const dialog = document.getElementById('timeout-warning')
if (idle > 0 && dialog && typeof dialog.showModal === 'function') {
  const warnAfter = Math.max(idle - 120, idle / 2) * 1000
  let timer
  const arm = () => {
    clearTimeout(timer)
    timer = setTimeout(() => dialog.showModal(), warnAfter)
  }
  document.getElementById('timeout-stay')?.addEventListener('click', async () => {
    // Any signed-in page keeps the session alive.
    try { await fetch('/account', { credentials: 'same-origin' }) } catch (_) {}
    dialog.close()
    arm()
  })
  arm()
}

// Follow-up questions of the forms engine: a question shown only for some answers to an earlier
// question on the same page. Without JavaScript the page shows it after "Save and continue".
for (const group of document.querySelectorAll('[data-show-if-item]')) {
  const name = group.dataset.showIfItem
  const wanted = (group.dataset.showIfValues || '').split(' ')
  const inputs = document.querySelectorAll(`input[name="${CSS.escape(name)}"]`)
  const sync = () => {
    const on = Array.from(inputs).some((i) => i.checked && wanted.includes(i.value))
    group.hidden = !on
  }
  for (const i of inputs) {
    i.setAttribute('aria-controls', group.id)
    i.addEventListener('change', sync)
  }
  sync()
}
