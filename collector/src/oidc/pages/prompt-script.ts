/**
 * The prompt page's script, inlined under the page's CSP nonce. Kept as plain browser
 * JavaScript in a string: it must reach the browser exactly as written (a bundler's
 * helpers in a stringified function would not exist there).
 *
 * What it does: ask each candidate loopback port for the agent (`GET /v1/ping`), ask the
 * agent that answers to attest the transaction (`POST /v1/attest`), and poll the
 * collector — same origin, the only source of truth — until the transaction is decided.
 * The agent's answers only steer what the page says; the verdict comes from the collector.
 */
export const PROMPT_SCRIPT = String.raw`
(function () {
  'use strict';
  var cfg = JSON.parse(document.getElementById('dt-config').textContent);
  var statusEl = document.getElementById('status');
  var spinner = document.getElementById('spinner');
  var attested = false;
  var finished = false;
  var noAgentShown = false;

  function say(text) { statusEl.textContent = text; }
  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }
  function withTimeout(ms) {
    var c = new AbortController();
    setTimeout(function () { c.abort(); }, ms);
    return c.signal;
  }
  // A final state retitles the page; the waiting state adds its guidance below.
  function show(name) {
    var panels = document.querySelectorAll('[data-panel]');
    var target = null;
    for (var i = 0; i < panels.length; i++) {
      var match = panels[i].getAttribute('data-panel') === name;
      panels[i].hidden = !match;
      if (match) target = panels[i];
    }
    var heading = target && target.getAttribute('data-heading');
    var focus = document.getElementById(name + '-title');
    if (heading) {
      focus = document.getElementById('title');
      focus.textContent = heading;
      document.getElementById('intro').hidden = true;
      document.getElementById('status-row').className = 'sr-only';
    }
    // Moving focus to the new heading tells screen readers and keyboards what changed.
    if (focus) focus.focus();
  }
  function stop(text) {
    finished = true;
    spinner.hidden = true;
    say(text);
  }

  function ping(origin) {
    return fetch(origin + '/v1/ping', { cache: 'no-store', credentials: 'omit', signal: withTimeout(2500) })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(new Error('status ' + r.status)); })
      .then(function (b) { return b && b.agent === 'devtrust' ? origin : Promise.reject(new Error('not an agent')); });
  }

  function attest(origin) {
    return fetch(origin + '/v1/attest', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ transactionId: cfg.transactionId }),
      cache: 'no-store',
      credentials: 'omit',
      signal: withTimeout(20000),
    }).then(function (r) { return r.ok; }, function () { return false; });
  }

  // Every port at once: the slowest refusal, not the sum of them, bounds the search.
  function tryAgents() {
    return Promise.all(cfg.agentOrigins.map(function (o) { return ping(o).catch(function () { return null; }); }))
      .then(function (found) {
        var origins = found.filter(Boolean);
        if (origins.length === 0) return false;
        say('Found the DevTrust agent. Checking this device…');
        var next = function (i) {
          if (i >= origins.length) return false;
          return attest(origins[i]).then(function (ok) { return ok || next(i + 1); });
        };
        return next(0);
      });
  }

  function readState() {
    return fetch(cfg.statePath, { cache: 'no-store', credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (r) {
        if (r.status === 400 || r.status === 404) return { state: 'gone' };
        return r.ok ? r.json() : { state: 'pending' };
      }, function () { return { state: 'pending' }; });
  }

  function settle(s) {
    if (s.state === 'decided' && s.access === 'allow') {
      stop('This device is allowed. Returning you to the application…');
      location.replace(cfg.finishPath);
      return true;
    }
    if (s.state === 'decided') {
      stop('Access denied.');
      document.getElementById('denied-reason').textContent = s.summary || 'Your organisation’s policy denied this device.';
      var list = document.getElementById('denied-reasons');
      // One reason (the application's summary) is the Reason line already: the details hold the reference.
      ((s.reasons || []).length > 1 ? s.reasons : []).forEach(function (reason) {
        var li = document.createElement('li');
        li.textContent = reason;
        list.appendChild(li);
      });
      show('denied');
      return true;
    }
    if (s.state === 'expired') {
      stop('The device check expired.');
      show('expired');
      return true;
    }
    if (s.state === 'gone') {
      stop('This sign-in is no longer valid.');
      show('failed');
      return true;
    }
    return false;
  }

  function run() {
    var lastSearch = 0;
    var loop = function () {
      if (finished) return;
      var search = Promise.resolve(attested);
      if (!attested && Date.now() - lastSearch > 3000) {
        lastSearch = Date.now();
        search = tryAgents().catch(function () { return false; });
      }
      search
        .then(function (ok) {
          if (ok) {
            attested = true;
            say('This device checked in. Getting the result…');
          } else if (!noAgentShown) {
            noAgentShown = true;
            say('Waiting for the DevTrust agent…');
            show('no-agent');
          }
          return readState();
        })
        .then(function (s) {
          if (!settle(s)) return sleep(attested ? 300 : 1000).then(loop);
        });
    };
    loop();
  }

  document.getElementById('retry').addEventListener('click', function (e) {
    e.preventDefault();
    location.reload();
  });
  run();
})();
`;
