// The page's one small script, inline. Without JavaScript the page is whole (bars link to
// their blocks, titles show on hover, <details> open and close); the script only opens every
// collapsed part for printing and, on a served page, follows the run through server-sent events.
export const CLIENT_SCRIPT = `(function () {
  var opened = []
  addEventListener('beforeprint', function () {
    document.querySelectorAll('details:not([open])').forEach(function (d) { d.open = true; opened.push(d) })
  })
  addEventListener('afterprint', function () { opened.forEach(function (d) { d.open = false }); opened = [] })
  var source = document.body.getAttribute('data-live')
  var bar = document.getElementById('live')
  if (!source || !window.EventSource || !bar) return
  var events = new EventSource(source)
  events.addEventListener('page', function (m) {
    var page = JSON.parse(m.data)
    var open = {}
    document.querySelectorAll('details[data-key]').forEach(function (d) { open[d.getAttribute('data-key')] = d.open })
    document.getElementById('run').innerHTML = page.main
    document.title = page.title
    document.querySelectorAll('details[data-key]').forEach(function (d) {
      var k = d.getAttribute('data-key')
      if (k in open) d.open = open[k]
    })
    bar.textContent = 'live: ' + page.status
    bar.className = ''
  })
  events.addEventListener('end', function () {
    events.close()
    bar.textContent = 'the run is over; this page no longer updates'
    bar.className = 'ended'
  })
  events.onerror = function () { bar.textContent = 'lost the connection to docrun; trying again…' }
})()`
