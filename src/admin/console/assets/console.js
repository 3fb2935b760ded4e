// slackgate admin console: loaded with `defer` from /admin/assets/console.js, the only script
// the Content-Security-Policy allows. No eval, no inline handlers, no innerHTML: text only.
;(function () {
  'use strict'

  // (b) Forms with data-confirm ask first.
  document.addEventListener('submit', function (event) {
    var form = event.target
    if (!(form instanceof HTMLFormElement)) return
    var question = form.getAttribute('data-confirm')
    if (question !== null && !window.confirm(question)) event.preventDefault()
  })

  // (c) A select-all checkbox ticks every checkbox that belongs to its form.
  document.addEventListener('change', function (event) {
    var box = event.target
    if (!(box instanceof HTMLInputElement) || !box.hasAttribute('data-select-all')) return
    var formId = box.getAttribute('data-select-all')
    var boxes = document.querySelectorAll('input[type="checkbox"][name="id"]')
    for (var i = 0; i < boxes.length; i++) {
      var b = boxes[i]
      if (b.getAttribute('form') === formId || (b.form !== null && b.form.id === formId)) b.checked = box.checked
    }
  })

  // (a) The Live page polls its JSON every 2 s and writes each field into the element with that id.
  var live = document.getElementById('live')
  if (live === null) return
  var source = live.getAttribute('data-live-url') || '/admin/live.json'
  var failure = document.getElementById('live-error')
  var timer = null

  function apply(snapshot) {
    var fields = snapshot.fields || {}
    var states = snapshot.states || {}
    Object.keys(fields).forEach(function (id) {
      var el = document.getElementById(id)
      if (el !== null) el.textContent = String(fields[id])
    })
    Object.keys(states).forEach(function (id) {
      var el = document.getElementById(id)
      if (el !== null) el.setAttribute('data-state', String(states[id]))
    })
  }

  function poll() {
    fetch(source, { credentials: 'same-origin', cache: 'no-store', headers: { accept: 'application/json' } })
      .then(function (response) {
        // An ended session is sent to the sign-in page (the fetch follows that redirect).
        if (response.status === 401 || response.status === 403 || (response.redirected && new URL(response.url).pathname === '/admin/login')) {
          window.location.assign('/admin/login')
          throw new Error('logged out')
        }
        if (!response.ok) throw new Error('status ' + response.status)
        return response.json()
      })
      .then(function (snapshot) {
        apply(snapshot)
        if (failure !== null) failure.hidden = true
      })
      .catch(function () {
        if (failure !== null) failure.hidden = false
      })
      .then(function () {
        timer = window.setTimeout(poll, 2000)
      })
  }

  // Pause while the tab is hidden: nobody is looking, and the gateway has work to do.
  document.addEventListener('visibilitychange', function () {
    if (document.hidden) {
      window.clearTimeout(timer)
      timer = null
    } else if (timer === null) poll()
  })
  poll()
})()
