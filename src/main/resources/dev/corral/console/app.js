// The Corral console: a client of the admin API (/admin/v1/...). It builds every element with
// textContent, never innerHTML, so nothing a key name or an audit entry holds can run as markup.
// Every call sends the session's CSRF token; a key's secret lives only in the panel that shows it
// once, and is dropped when that panel closes.
(function () {
  'use strict';

  var csrf = null;
  var liveSource = null;
  var keysCache = [];

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs) {
    var e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) { return; }
        if (k === 'text') { e.textContent = String(v); }
        else if (k === 'cls') { e.className = v; }
        else if (k.indexOf('on') === 0) { e.addEventListener(k.substring(2), v); }
        else { e.setAttribute(k, v === true ? '' : String(v)); }
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) { continue; }
      e.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return e;
  }

  function message(text, info) {
    var m = $('message');
    if (!text) { m.hidden = true; m.textContent = ''; return; }
    m.textContent = text;
    m.className = info ? 'info' : '';
    m.hidden = false;
  }

  // Calls in flight: the view says aria-busy while any is, so assistive technology (and a test)
  // knows when what it shows is complete.
  var pending = 0;
  function busy(delta) {
    pending += delta;
    var v = document.getElementById('view');
    if (v) { v.setAttribute('aria-busy', pending > 0 ? 'true' : 'false'); }
  }

  function api(method, path, body) {
    var opts = { method: method, credentials: 'same-origin', headers: { 'X-Corral-CSRF': csrf || '' } };
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    busy(1);
    return fetch(path, opts).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (r.status === 401) { showSignIn('Your session has ended: sign in again.'); }
        if (!r.ok) { throw new Error(data.error || ('HTTP ' + r.status)); }
        return data;
      });
    }).finally(function () { busy(-1); });
  }

  function fail(e) { message(e.message || String(e)); }

  function fmt(n) { return n === null || n === undefined ? '—' : Number(n).toLocaleString('en-US'); }

  function table(headers, rows, numeric) {
    var head = el('tr');
    headers.forEach(function (h, i) { head.appendChild(el('th', { cls: numeric && numeric[i] ? 'num' : null, text: h })); });
    var body = el('tbody');
    rows.forEach(function (r) { body.appendChild(r); });
    return el('div', { cls: 'table' }, el('table', null, el('thead', null, head), body));
  }

  function cells(values, numeric) {
    var tr = el('tr');
    values.forEach(function (v, i) {
      tr.appendChild(v instanceof Node ? el('td', null, v) : el('td', { cls: numeric && numeric[i] ? 'num' : null, text: v }));
    });
    return tr;
  }

  // ---- session ----

  function showSignIn(why) {
    csrf = null;
    closeLive();
    $('nav').hidden = true;
    $('who').hidden = true;
    $('view').hidden = true;
    $('view').textContent = '';
    $('signin').hidden = false;
    message(why || '');
  }

  function signedIn(s) {
    csrf = s.csrf;
    $('actor').textContent = 'Signed in as ' + s.actor;
    $('signin').hidden = true;
    $('nav').hidden = false;
    $('who').hidden = false;
    $('view').hidden = false;
    message('');
    route();
  }

  function signIn(key) {
    return fetch('/console/session', {
      method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(key === null ? {} : { key: key })
    }).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) { throw new Error(data.error || ('HTTP ' + r.status)); }
        signedIn(data);
      });
    });
  }

  function start() {
    $('signin-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var input = $('signin-key');
      var key = input.value;
      input.value = '';
      signIn(key).catch(function (e) { showSignIn(e.message); });
    });
    $('signout').addEventListener('click', function () {
      api('DELETE', '/console/session').then(function () { showSignIn('Signed out.'); }).catch(fail);
    });
    window.addEventListener('hashchange', route);
    fetch('/console/session', { credentials: 'same-origin' }).then(function (r) { return r.json(); }).then(function (s) {
      if (s.signed_in) { signedIn(s); }
      else if (s.local) { signIn(null).catch(function (e) { showSignIn(e.message); }); }
      else { showSignIn(''); }
    }).catch(fail);
  }

  // ---- views ----

  var views = { overview: overview, keys: keys, usage: usage, live: live, models: models, audit: audit };

  function route() {
    if (!csrf) { return; }
    var name = (location.hash || '#overview').substring(1).split('/')[0];
    if (!views[name]) { name = 'overview'; }
    closeLive();
    document.querySelectorAll('#nav a').forEach(function (a) { a.classList.toggle('current', a.dataset.view === name); });
    var v = $('view');
    v.textContent = '';
    v.dataset.view = name;
    message('');
    views[name](v);
  }

  function card(label, value, cls) {
    return el('div', { cls: 'card' }, el('div', { cls: 'label', text: label }), el('div', { cls: 'value ' + (cls || ''), text: value }));
  }

  function overview(v) {
    v.appendChild(el('h2', { text: 'Overview' }));
    var cards = el('div', { cls: 'cards', id: 'overview-cards' });
    v.appendChild(cards);
    var hour = el('div', { id: 'overview-hour' }, el('h3', { text: 'Requests and tokens per minute, last hour' }));
    var refusals = el('div', { id: 'overview-refusals' }, el('h3', { text: 'Refusals by status, last 24 hours' }));
    v.appendChild(hour);
    v.appendChild(refusals);
    api('GET', '/admin/v1/usage?since=1h&by=minute').then(function (r) {
      var rows = everyMinute(r.rows);
      if (!r.rows.length) { hour.appendChild(el('p', { cls: 'hint', text: 'No requests in the last hour.' })); return; }
      plot(hour, rows.map(function (x) { return x.t; }), rows, 'minute');
    }).catch(fail);
    api('GET', '/admin/v1/usage?since=1d&by=status').then(function (r) {
      var rows = r.rows.filter(function (x) { return Number(x.status) >= 400; });
      if (!rows.length) { refusals.appendChild(el('p', { cls: 'hint', text: 'None.' })); return; }
      refusals.appendChild(table(['Status', 'Requests'], rows.map(function (x) {
        return cells([x.status + ' ' + (STATUS[x.status] || ''), fmt(x.requests)], [false, true]);
      }), [false, true]));
    }).catch(fail);
    Promise.all([api('GET', '/admin/v1/status'), api('GET', '/admin/v1/usage?since=1d&by=total')]).then(function (r) {
      var s = r[0];
      var t = r[1].rows[0] || { requests: 0, refused: 0, total_tokens: 0 };
      cards.appendChild(card('Ollama', s.upstream.reachable ? 'reachable' : 'unreachable', s.upstream.reachable ? 'ok' : 'bad'));
      cards.appendChild(card('In flight', fmt(s.requests_in_flight)));
      cards.appendChild(card('Queue', fmt(s.queue.in_use) + ' / ' + fmt(s.queue.slots) + ' slots, ' + fmt(s.queue.waiting) + ' waiting'));
      cards.appendChild(card('Usage records waiting', fmt(s.usage.records_waiting) + ' (' + s.usage.status + ')',
        s.usage.status === 'ok' ? 'ok' : 'bad'));
      cards.appendChild(card('Requests, last 24 h', fmt(t.requests)));
      cards.appendChild(card('Refused, last 24 h', fmt(t.refused)));
      cards.appendChild(card('Tokens, last 24 h', fmt(t.total_tokens)));
      cards.appendChild(card('Keys', fmt(s.keys)));
      cards.appendChild(card('Audit head', 'seq ' + s.audit.seq));
      cards.appendChild(card('Version', s.version + ', up ' + fmt(s.uptime_seconds) + ' s'));
    }).catch(fail);
  }

  // Keys: list with search, create (secret once), limits, rotate, revoke with confirmation, usage.

  function keys(v) {
    v.appendChild(el('h2', { text: 'Keys' }));
    var search = el('input', { id: 'key-search', type: 'search', placeholder: 'Search by name or id', 'aria-label': 'Search keys' });
    v.appendChild(el('div', { cls: 'row' }, search, el('button', { type: 'button', id: 'key-new', cls: 'primary', text: 'New key',
      onclick: function () { createForm.hidden = !createForm.hidden; } })));
    var once = el('div', { id: 'secret-panel' });
    var createForm = keyForm(once);
    createForm.hidden = true;
    v.appendChild(createForm);
    v.appendChild(once);
    var list = el('div', { id: 'key-list' });
    var detail = el('div', { id: 'key-detail' });
    v.appendChild(list);
    v.appendChild(detail);
    search.addEventListener('input', function () { renderKeys(list, detail, once, search.value); });
    loadKeys(list, detail, once, search);
  }

  function loadKeys(list, detail, once, search) {
    return api('GET', '/admin/v1/keys').then(function (r) {
      keysCache = r.keys;
      renderKeys(list, detail, once, search.value);
    }).catch(fail);
  }

  function keyForm(once) {
    var name = el('input', { id: 'new-key-name', required: true, maxlength: 64, placeholder: 'name' });
    var scope = el('select', { id: 'new-key-scope' }, el('option', { value: 'inference', text: 'inference' }),
      el('option', { value: 'meta', text: 'meta' }), el('option', { value: 'admin', text: 'admin' }));
    var models = el('input', { id: 'new-key-models', placeholder: 'models (e.g. llama3.2:*), empty: all' });
    var rpm = el('input', { id: 'new-key-rpm', type: 'number', min: 0, placeholder: 'requests/min' });
    var tpm = el('input', { id: 'new-key-tpm', type: 'number', min: 0, placeholder: 'tokens/min' });
    var form = el('form', { cls: 'row', id: 'new-key-form' },
      el('label', { 'for': 'new-key-name', text: 'Name' }), name, el('label', { 'for': 'new-key-scope', text: 'Scope' }), scope,
      models, rpm, tpm, el('button', { type: 'submit', cls: 'primary', id: 'new-key-create', text: 'Create' }));
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var body = { name: name.value, scopes: [scope.value] };
      var m = models.value.split(',').map(function (s) { return s.trim(); }).filter(Boolean);
      if (m.length) { body.models = m; }
      var limits = {};
      if (rpm.value !== '') { limits.rpm = Number(rpm.value); }
      if (tpm.value !== '') { limits.tpm = Number(tpm.value); }
      if (Object.keys(limits).length) { body.limits = limits; }
      api('POST', '/admin/v1/keys', body).then(function (k) {
        route();
        showSecret(once, k, 'Key "' + k.name + '" created.');
      }).catch(fail);
    });
    return form;
  }

  // The secret, once: in a read-only field with a copy button, until "Done" removes it for good.
  function showSecret(once, k, title) {
    var holder = $('secret-panel') || once;
    holder.textContent = '';
    var input = el('input', { id: 'secret-value', readonly: true, value: k.key, 'aria-label': 'The new key' });
    var copied = el('span', { cls: 'hint', id: 'secret-copied' });
    holder.appendChild(el('div', { cls: 'secret', id: 'secret-once' },
      el('strong', { text: title }), el('p', { text: 'Copy it now: it is shown this once, and Corral keeps only its HMAC.' }),
      el('div', { cls: 'row' }, input,
        el('button', { type: 'button', id: 'secret-copy', text: 'Copy', onclick: function () {
          input.select();
          (navigator.clipboard ? navigator.clipboard.writeText(input.value) : Promise.reject(new Error('no clipboard')))
            .then(function () { copied.textContent = 'Copied.'; })
            .catch(function () { copied.textContent = 'Select the text and copy it.'; });
        } }),
        el('button', { type: 'button', id: 'secret-done', text: 'Done', onclick: function () { holder.textContent = ''; } }),
        copied)));
  }

  function renderKeys(list, detail, once, filter) {
    var f = (filter || '').toLowerCase();
    var rows = keysCache.filter(function (k) {
      return !f || k.name.toLowerCase().indexOf(f) >= 0 || k.id.indexOf(f) >= 0;
    }).map(function (k) {
      var actions = el('span', { cls: 'row' });
      var tr = cells([el('code', { text: k.id }), k.name, k.scopes.join(', '), k.models.length ? k.models.join(', ') : 'all',
        limitsText(k.limits), el('span', { cls: k.status === 'active' ? 'ok' : 'bad', text: k.status +
          (k.previous_secret_until ? ' (old secret until ' + k.previous_secret_until + ')' : '') }), actions]);
      tr.dataset.key = k.id;
      actions.appendChild(el('button', { type: 'button', cls: 'key-usage', text: 'Usage', onclick: function () { keyUsage(detail, k); } }));
      if (k.status === 'active') {
        actions.appendChild(el('button', { type: 'button', cls: 'key-limits', text: 'Limits', onclick: function () { editLimits(detail, k); } }));
        actions.appendChild(el('button', { type: 'button', cls: 'key-access', text: 'Access', onclick: function () { editAccess(detail, k); } }));
        actions.appendChild(el('button', { type: 'button', cls: 'key-rotate', text: 'Rotate', onclick: function () { rotate(detail, once, k); } }));
        actions.appendChild(el('button', { type: 'button', cls: 'key-revoke danger', text: 'Revoke', onclick: function () { confirmRevoke(actions, k); } }));
      }
      return tr;
    });
    list.textContent = '';
    list.appendChild(table(['Id', 'Name', 'Scopes', 'Models', 'Limits', 'Status', ''], rows));
    if (!rows.length) { list.appendChild(el('p', { cls: 'hint', text: 'No key matches.' })); }
  }

  function limitsText(l) {
    var parts = [];
    Object.keys(l).forEach(function (n) { if (l[n] !== null) { parts.push(n + ' ' + fmt(l[n])); } });
    return parts.length ? parts.join(', ') : 'defaults';
  }

  function confirmRevoke(actions, k) {
    actions.textContent = '';
    actions.appendChild(el('span', { text: 'Revoke "' + k.name + '"? Clients using it are refused at once.' }));
    actions.appendChild(el('button', { type: 'button', cls: 'danger', id: 'revoke-confirm', text: 'Yes, revoke', onclick: function () {
      api('POST', '/admin/v1/keys/' + encodeURIComponent(k.id) + '/revoke').then(function () {
        route();
        message('Key "' + k.name + '" revoked.', true);
      }).catch(fail);
    } }));
    actions.appendChild(el('button', { type: 'button', text: 'Cancel', onclick: route }));
  }

  function rotate(detail, once, k) {
    detail.textContent = '';
    var grace = el('select', { id: 'rotate-grace' }, el('option', { value: '0s', text: 'stops now' }),
      el('option', { value: '1h', text: '1 hour' }), el('option', { value: '24h', text: '24 hours', selected: true }),
      el('option', { value: '7d', text: '7 days' }));
    detail.appendChild(el('div', { cls: 'card' }, el('h3', { text: 'Rotate "' + k.name + '"' }),
      el('div', { cls: 'row' }, el('label', { 'for': 'rotate-grace', text: 'The old secret keeps working for' }), grace,
        el('button', { type: 'button', cls: 'primary', id: 'rotate-confirm', text: 'Rotate', onclick: function () {
          api('POST', '/admin/v1/keys/' + encodeURIComponent(k.id) + '/rotate', { grace: grace.value }).then(function (r) {
            route();
            showSecret(once, r, 'Key "' + r.name + '" rotated.');
          }).catch(fail);
        } }), el('button', { type: 'button', text: 'Cancel', onclick: function () { detail.textContent = ''; } }))));
  }

  function editLimits(detail, k) {
    detail.textContent = '';
    var names = ['rpm', 'tpm', 'daily_tokens', 'monthly_tokens', 'concurrency', 'weight'];
    var inputs = {};
    var row = el('div', { cls: 'row' });
    names.forEach(function (n) {
      inputs[n] = el('input', { id: 'limit-' + n, type: 'number', min: 0, placeholder: 'default',
        value: k.limits[n] === null ? null : k.limits[n] });
      row.appendChild(el('label', { 'for': 'limit-' + n, text: n }));
      row.appendChild(inputs[n]);
    });
    row.appendChild(el('button', { type: 'button', cls: 'primary', id: 'limits-save', text: 'Save', onclick: function () {
      var limits = {};
      names.forEach(function (n) { limits[n] = inputs[n].value === '' ? null : Number(inputs[n].value); });
      api('PATCH', '/admin/v1/keys/' + encodeURIComponent(k.id), { limits: limits }).then(function () {
        route();
        message('Limits of "' + k.name + '" saved.', true);
      }).catch(fail);
    } }));
    detail.appendChild(el('div', { cls: 'card' }, el('h3', { text: 'Limits of "' + k.name + '" (empty: the default; 0: unlimited)' }), row));
  }

  // Scopes (meta, inference; an admin key stays one) and model patterns.
  function editAccess(detail, k) {
    detail.textContent = '';
    var admin = k.scopes.indexOf('admin') >= 0;
    var scope = el('select', { id: 'access-scope', disabled: admin },
      admin ? el('option', { value: 'admin', text: 'admin' }) : null,
      el('option', { value: 'inference', text: 'inference', selected: k.scopes.indexOf('inference') >= 0 }),
      el('option', { value: 'meta', text: 'meta', selected: !admin && k.scopes.indexOf('inference') < 0 }));
    var models = el('input', { id: 'access-models', value: k.models.join(', '), placeholder: 'empty: every model' });
    detail.appendChild(el('div', { cls: 'card' }, el('h3', { text: 'Access of "' + k.name + '"' }),
      el('div', { cls: 'row' }, el('label', { 'for': 'access-scope', text: 'Scope' }), scope,
        el('label', { 'for': 'access-models', text: 'Models' }), models,
        el('button', { type: 'button', cls: 'primary', id: 'access-save', text: 'Save', onclick: function () {
          var body = { models: models.value.split(',').map(function (s) { return s.trim(); }).filter(Boolean) };
          if (!admin) { body.scopes = [scope.value]; }
          api('PATCH', '/admin/v1/keys/' + encodeURIComponent(k.id), body).then(function () {
            route();
            message('Access of "' + k.name + '" saved.', true);
          }).catch(fail);
        } }))));
  }

  function keyUsage(detail, k) {
    detail.textContent = '';
    var box = el('div', { cls: 'card', id: 'key-usage' }, el('h3', { text: 'Usage of "' + k.name + '", last 30 days' }));
    detail.appendChild(box);
    api('GET', '/admin/v1/usage?since=30d&by=day&key=' + encodeURIComponent(k.id)).then(function (r) {
      chart(box, r.rows, 30);
      box.appendChild(usageTable(r.rows, 'day'));
    }).catch(fail);
  }

  // Usage: by day (charts), key and model (tables), with CSV export.

  function usage(v) {
    v.appendChild(el('h2', { text: 'Usage' }));
    var since = el('select', { id: 'usage-since' }, el('option', { value: '1d', text: 'last 24 hours' }),
      el('option', { value: '7d', text: 'last 7 days', selected: true }), el('option', { value: '30d', text: 'last 30 days' }),
      el('option', { value: '90d', text: 'last 90 days' }), el('option', { value: '365d', text: 'last year' }));
    var out = el('div', { id: 'usage-out' });
    var data = {};
    var from = el('input', { id: 'usage-from', type: 'date', 'aria-label': 'From (UTC)' });
    var to = el('input', { id: 'usage-to', type: 'date', 'aria-label': 'To (UTC)' });
    var range = el('form', { cls: 'row', id: 'usage-range' }, el('label', { 'for': 'usage-from', text: 'From' }), from,
      el('label', { 'for': 'usage-to', text: 'to' }), to, el('button', { type: 'submit', id: 'usage-apply', text: 'Show' }));
    v.appendChild(el('div', { cls: 'row' }, el('label', { 'for': 'usage-since', text: 'Range' }), since,
      el('button', { type: 'button', id: 'usage-csv', text: 'Export CSV', onclick: function () { csv(data); } })));
    v.appendChild(range);
    v.appendChild(out);
    range.addEventListener('submit', function (ev) {
      ev.preventDefault();
      if (!from.value || !to.value || from.value > to.value) { message('Pick a first and a last day, the first not after the last.'); return; }
      load([from.value, to.value]);
    });
    function load(days) {
      out.textContent = '';
      var q = Array.isArray(days) ? 'since=' + days[0] + '&until=' + days[1] : 'since=' + since.value;
      Promise.all(['day', 'key', 'model'].map(function (by) {
        return api('GET', '/admin/v1/usage?' + q + '&by=' + by);
      })).then(function (r) {
        data = { day: r[0].rows, key: r[1].rows, model: r[2].rows };
        out.appendChild(el('h3', { text: 'By day' }));
        chart(out, data.day, Array.isArray(days) ? days : parseInt(since.value, 10));
        out.appendChild(usageTable(data.day, 'day'));
        out.appendChild(el('h3', { text: 'By key' }));
        out.appendChild(usageTable(data.key, 'key'));
        out.appendChild(el('h3', { text: 'By model' }));
        out.appendChild(usageTable(data.model, 'model'));
      }).catch(fail);
    }
    since.addEventListener('change', function () { from.value = ''; to.value = ''; load(); });
    load();
  }

  function usageTable(rows, by) {
    var num = [false, true, true, true, true, true];
    return table([by === 'key' ? 'Key' : by === 'model' ? 'Model' : 'Day', 'Requests', 'Refused', 'Prompt tokens',
      'Completion tokens', 'Total tokens'], rows.map(function (r) {
      var label = by === 'key' ? (r.name ? r.name + ' (' + r.key + ')' : r.key) : (r[by] || '—');
      var tr = cells([label, fmt(r.requests), fmt(r.refused), fmt(r.prompt_tokens), fmt(r.completion_tokens), fmt(r.total_tokens)], num);
      tr.className = 'usage-row';
      return tr;
    }), num);
  }

  // Every day of the range, with zeros where there was no request, so one busy day is not the whole axis.
  // days: a number of days up to today, or [from, to] as YYYY-MM-DD (UTC, both included).
  function everyDay(rows, days) {
    var byDay = {};
    rows.forEach(function (r) { byDay[r.day] = r; });
    var today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
    var last = Array.isArray(days) ? Date.parse(days[1] + 'T00:00:00Z') : today;
    var first = Array.isArray(days) ? Date.parse(days[0] + 'T00:00:00Z') : today - (Math.max(2, days) - 1) * 86400000;
    if (last - first < 86400000) { first = last - 86400000; }
    var out = [];
    for (var t = first; t <= last && out.length < 3660; t += 86400000) {
      var d = new Date(t).toISOString().substring(0, 10);
      out.push(byDay[d] || { day: d, requests: 0, total_tokens: 0 });
    }
    return out;
  }

  var STATUS = { 400: 'bad request', 401: 'no or wrong key', 403: 'not allowed', 404: 'unknown route or model',
    413: 'too large', 429: 'over a limit', 499: 'client went away', 502: 'Ollama failed', 503: 'unavailable',
    504: 'Ollama timed out' };

  // The last 60 minutes, with zeros where there was no request.
  function everyMinute(rows) {
    var byMinute = {};
    rows.forEach(function (r) { byMinute[r.minute] = r; });
    var now = Math.floor(Date.now() / 60000) * 60000;
    var out = [];
    for (var i = 59; i >= 0; i--) {
      var t = now - i * 60000;
      var m = new Date(t).toISOString().substring(0, 16);
      var r = byMinute[m] || { requests: 0, total_tokens: 0 };
      out.push({ t: t / 1000, requests: r.requests, total_tokens: r.total_tokens });
    }
    return out;
  }

  function chart(parent, rows, days) {
    if (!rows.length) { parent.appendChild(el('p', { cls: 'hint usage-empty', text: 'No requests in this range.' })); return; }
    rows = everyDay(rows, days);
    plot(parent, rows.map(function (r) { return Date.parse(r.day + 'T00:00:00Z') / 1000; }), rows, 'day');
  }

  function plot(parent, xs, rows, unit) {
    if (typeof window.uPlot !== 'function') { return; }
    var box = el('div', { cls: 'chart' });
    parent.appendChild(box);
    var width = Math.max(280, Math.min(1100, (parent.clientWidth || 800) - 20));
    var style = getComputedStyle(document.documentElement);
    var accent = style.getPropertyValue('--accent').trim() || '#1f6feb';
    var ok = style.getPropertyValue('--ok').trim() || '#1a7f37';
    var axis = { stroke: style.getPropertyValue('--muted').trim() || '#666', grid: { stroke: style.getPropertyValue('--line').trim() || '#ddd' } };
    /* global uPlot */
    new uPlot({
      width: width, height: 220,
      series: [{}, { label: 'Tokens', stroke: accent, width: 2, points: { show: true } },
        { label: 'Requests', stroke: ok, width: 2, scale: 'req', points: { show: true } }],
      axes: [Object.assign(unit === 'day' ? { incrs: [86400, 7 * 86400, 30 * 86400], space: 50, values: function (u, vals) {
        return vals.map(function (v) { return new Date(v * 1000).toISOString().substring(5, 10); });
      } } : {}, axis), Object.assign({}, axis),
        Object.assign({ side: 1, scale: 'req' }, axis, { grid: { show: false } })],
      scales: { x: { time: true } }
    }, [xs, rows.map(function (r) { return r.total_tokens; }), rows.map(function (r) { return r.requests; })], box);
  }

  function csv(data) {
    var lines = ['group,value,requests,refused,prompt_tokens,completion_tokens,total_tokens'];
    ['day', 'key', 'model'].forEach(function (by) {
      (data[by] || []).forEach(function (r) {
        lines.push([by, r[by], r.requests, r.refused, r.prompt_tokens, r.completion_tokens, r.total_tokens].map(function (x) {
          var s = x === null || x === undefined ? '' : String(x);
          return /[",\n]/.test(s) || /^[=+\-@]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
        }).join(','));
      });
    });
    var url = URL.createObjectURL(new Blob([lines.join('\n') + '\n'], { type: 'text/csv' }));
    var a = el('a', { href: url, download: 'corral-usage.csv' });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  // Live: requests in flight and the fair queue, pushed once a second; cancel one.

  function closeLive() {
    if (liveSource) { liveSource.close(); liveSource = null; }
  }

  function live(v) {
    v.appendChild(el('h2', { text: 'Live' }));
    var state = el('p', { cls: 'hint', id: 'live-state', text: 'Connecting…' });
    var reqs = el('div', { id: 'live-requests' });
    var queue = el('div', { id: 'live-queue' });
    v.appendChild(state);
    v.appendChild(reqs);
    v.appendChild(el('h3', { text: 'Fair queue' }));
    v.appendChild(queue);
    liveSource = new EventSource('/console/events/live?csrf=' + encodeURIComponent(csrf));
    liveSource.onmessage = function (ev) {
      var d = JSON.parse(ev.data);
      state.textContent = d.requests.length + ' in flight; Ollama ' + (d.upstream.reachable ? 'reachable' : 'unreachable') +
        '; updated ' + new Date().toLocaleTimeString();
      reqs.textContent = '';
      var num = [false, false, false, false, true, false, true, true, false];
      reqs.appendChild(table(['Request', 'Key', 'Route', 'Model', 'Age (s)', 'State', 'Events', 'Reserved tokens', ''],
        d.requests.map(function (r) {
          var tr = cells([el('code', { text: r.request_id }), r.key_id || '—', r.route || '—', r.model || '—',
            (r.age_ms / 1000).toFixed(1), r.state, fmt(r.events), fmt(r.reserved_tokens),
            el('button', { type: 'button', cls: 'danger live-cancel', text: 'Cancel', onclick: function () {
              api('DELETE', '/admin/v1/live/' + encodeURIComponent(r.request_id)).then(function () {
                message('Request ' + r.request_id + ' cancelled.', true);
              }).catch(fail);
            } })], num);
          tr.className = 'live-row';
          tr.dataset.request = r.request_id;
          return tr;
        }), num));
      queue.textContent = '';
      var q = d.queue;
      queue.appendChild(el('p', { text: q.in_use + ' of ' + q.slots + ' slots in use, ' + q.waiting + ' waiting.' }));
      var byKey = Object.keys(q.waiting_by_key || {});
      if (byKey.length) {
        queue.appendChild(table(['Key', 'Waiting'], byKey.map(function (k) { return cells([k, fmt(q.waiting_by_key[k])], [false, true]); }),
          [false, true]));
      }
    };
    liveSource.addEventListener('end', function () { closeLive(); showSignIn('Your session has ended: sign in again.'); });
    liveSource.onerror = function () { state.textContent = 'Reconnecting…'; };
  }

  // Models: Ollama's models with their digests; pull with a progress bar; delete after a confirmation.

  function models(v) {
    v.appendChild(el('h2', { text: 'Models' }));
    var name = el('input', { id: 'pull-name', required: true, placeholder: 'llama3.2:3b', 'aria-label': 'Model to pull' });
    var bar = el('progress', { id: 'pull-progress', max: 1, value: 0, hidden: true });
    var status = el('span', { cls: 'hint', id: 'pull-status' });
    var form = el('form', { cls: 'row', id: 'pull-form' }, name, el('button', { type: 'submit', cls: 'primary', id: 'pull-start', text: 'Pull' }),
      bar, status);
    var list = el('div', { id: 'model-list' });
    v.appendChild(form);
    v.appendChild(list);
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      pull(name.value.trim(), bar, status).then(function () { loadModels(list); });
    });
    loadModels(list);
  }

  function loadModels(list) {
    return api('GET', '/admin/v1/models').then(function (r) {
      list.textContent = '';
      var num = [false, false, true, false, false];
      list.appendChild(table(['Name', 'Digest', 'Size (MB)', 'Modified', ''], (r.models || []).map(function (m) {
        var actions = el('span', { cls: 'row' });
        actions.appendChild(el('button', { type: 'button', cls: 'danger model-delete', text: 'Delete', onclick: function () {
          actions.textContent = '';
          actions.appendChild(el('span', { text: 'Delete ' + m.name + '?' }));
          actions.appendChild(el('button', { type: 'button', cls: 'danger', id: 'delete-confirm', text: 'Yes, delete', onclick: function () {
            api('DELETE', '/admin/v1/models/' + m.name.split('/').map(function (p) { return encodeURIComponent(p).replace(/%3A/g, ':'); }).join('/')).then(function () {
              message(m.name + ' deleted.', true);
              loadModels(list);
            }).catch(fail);
          } }));
          actions.appendChild(el('button', { type: 'button', text: 'Cancel', onclick: function () { loadModels(list); } }));
        } }));
        var tr = cells([m.name, el('code', { text: (m.digest || '').substring(0, 12) }), fmt(Math.round((m.size || 0) / 1e6)),
          m.modified_at || '—', actions], num);
        tr.className = 'model-row';
        tr.dataset.model = m.name;
        return tr;
      }), num));
    }).catch(fail);
  }

  // The pull's NDJSON progress, read as it arrives: the bar follows "completed" of "total".
  function pull(model, bar, status) {
    bar.hidden = false;
    bar.value = 0;
    status.textContent = 'Starting…';
    return fetch('/admin/v1/models/pull', { method: 'POST', credentials: 'same-origin',
      headers: { 'X-Corral-CSRF': csrf, 'Content-Type': 'application/json' }, body: JSON.stringify({ model: model }) })
      .then(function (r) {
        if (!r.ok) { return r.json().then(function (d) { throw new Error(d.error || ('HTTP ' + r.status)); }); }
        var reader = r.body.getReader();
        var decoder = new TextDecoder();
        var rest = '';
        var last = null;
        function line(text) {
          if (!text.trim()) { return; }
          var d = JSON.parse(text);
          if (d.error) { throw new Error(d.error); }
          last = d;
          if (d.total) { bar.value = (d.completed || 0) / d.total; }
          status.textContent = d.status || '';
        }
        function next() {
          return reader.read().then(function (chunk) {
            if (chunk.done) {
              line(rest);
              if (!last || last.status !== 'success') { throw new Error('the pull ended before it finished'); }
              bar.value = 1;
              status.textContent = 'Pulled ' + model + '.';
              return;
            }
            var parts = (rest + decoder.decode(chunk.value, { stream: true })).split('\n');
            rest = parts.pop();
            parts.forEach(line);
            return next();
          });
        }
        return next();
      }).catch(function (e) { status.textContent = ''; bar.hidden = true; fail(e); });
  }

  // Audit: the chain's state (red with the first bad entry when broken) and the entries, filtered.

  function audit(v) {
    v.appendChild(el('h2', { text: 'Audit log' }));
    var banner = el('div', { id: 'audit-verify', cls: 'banner', text: 'Verifying the chain…' });
    v.appendChild(banner);
    var since = el('select', { id: 'audit-since' }, el('option', { value: '', text: 'all time' }),
      el('option', { value: '1d', text: 'last 24 hours' }), el('option', { value: '7d', text: 'last 7 days' }),
      el('option', { value: '30d', text: 'last 30 days' }));
    var actor = el('input', { id: 'audit-actor', placeholder: 'actor (key:ID, uid:1000)' });
    var action = el('input', { id: 'audit-action', placeholder: 'action (key.*)' });
    var out = el('div', { id: 'audit-entries' });
    var bad = null;
    var form = el('form', { cls: 'row', id: 'audit-filter' }, since, actor, action,
      el('button', { type: 'submit', text: 'Filter' }), el('button', { type: 'button', id: 'audit-reverify', text: 'Verify again',
        onclick: function () { verify(); } }));
    v.appendChild(form);
    v.appendChild(out);
    function verify() {
      return api('GET', '/admin/v1/audit/verify').then(function (r) {
        banner.textContent = '';
        if (r.ok) {
          banner.className = 'banner ok';
          banner.textContent = 'Chain intact: ' + fmt(r.entries) + ' entries, head seq ' + r.head.seq + ' (' + r.head.hash.substring(0, 16) + '…).';
          bad = null;
        } else {
          banner.className = 'banner bad';
          banner.textContent = 'Chain broken: ' + r.problem.sentence + ' Keep the file as evidence; the entries from there on cannot be trusted.';
          bad = r.problem.seq;
        }
      }).catch(fail);
    }
    function list() {
      var q = '?limit=500' + (since.value ? '&since=' + since.value : '') +
        (actor.value.trim() ? '&actor=' + encodeURIComponent(actor.value.trim()) : '') +
        (action.value.trim() ? '&action=' + encodeURIComponent(action.value.trim()) : '');
      return api('GET', '/admin/v1/audit' + q).then(function (r) {
        out.textContent = '';
        out.appendChild(el('p', { cls: 'hint', text: fmt(r.matched) + ' entries match' + (r.matched > r.entries.length ? ', newest ' + r.entries.length + ' shown' : '') + '.' +
          (r.unreadable_lines ? ' ' + r.unreadable_lines + ' lines are not entries.' : '') }));
        out.appendChild(table(['Seq', 'Time', 'Actor', 'Action', 'Target', 'Details'], r.entries.map(function (e) {
          var tr = cells([String(e.seq), e.time, e.actor, e.action, e.target || '—', el('code', { cls: 'details', text: JSON.stringify(e.details) })]);
          tr.className = 'audit-row' + (bad !== null && e.seq === bad ? ' bad' : '');
          tr.dataset.seq = e.seq;
          return tr;
        })));
      }).catch(fail);
    }
    form.addEventListener('submit', function (ev) { ev.preventDefault(); list(); });
    verify().then(list);
  }

  document.addEventListener('DOMContentLoaded', start);
}());
