/* The dashboard of tofupay_fake: reads the control API of the server it came from,
   once a second, and shows one view at a time. No library, nothing from elsewhere;
   every value goes into the page as text, never as markup. */
(function () {
  "use strict";

  var VIEWS = ["customers", "calls", "events", "webhooks", "faults"];
  var LIMIT = 200;

  /* How often the page reads the fake, in milliseconds: once a second, unless the page's
     URL asks for another period with `poll`, a whole number of milliseconds from 100 to
     60000 (`/_fake/?poll=100`, as the browser tests do to see each change at once).
     Any other value, or none, keeps the second. */
  var DEFAULT_PERIOD_MS = 1000;
  var MIN_PERIOD_MS = 100;
  var MAX_PERIOD_MS = 60000;

  function pollPeriod(search) {
    var asked = new URLSearchParams(search).get("poll");
    if (asked === null || !/^[0-9]+$/.test(asked)) return DEFAULT_PERIOD_MS;
    var period = parseInt(asked, 10);
    return period >= MIN_PERIOD_MS && period <= MAX_PERIOD_MS ? period : DEFAULT_PERIOD_MS;
  }

  var PERIOD_MS = pollPeriod(location.search);

  var state = {
    view: "customers",
    paused: false,
    timer: null,
    running: false,
    again: false,      // a refresh was asked for while a poll was under way
    seen: {},          // view -> the last answer's text, so unchanged data is not redrawn
    customer: null,    // selected customer id
    call: null,        // selected call's request id
    event: null,       // selected event id
    q: "",
    calls: { method: "", path: "", status: "" },
    type: ""
  };

  function $(id) { return document.getElementById(id); }

  function el(tag, props) {
    var node = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (name) {
        if (name === "text") node.textContent = props.text;
        else if (name === "className") node.className = props.className;
        else if (name === "onclick") node.addEventListener("click", props.onclick);
        else node.setAttribute(name, props[name]);
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function td(text, className) { return el("td", { text: text == null ? "—" : String(text), className: className || "" }); }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  /* Lists are redrawn as data changes: keyboard focus stays on the same row's button. */
  function focusedKey(tbody) {
    var active = document.activeElement;
    return active && tbody.contains(active) ? active.getAttribute("data-key") : null;
  }

  function refocus(tbody, key) {
    if (key === null) return;
    var buttons = tbody.querySelectorAll("button[data-key]");
    for (var i = 0; i < buttons.length; i++) {
      if (buttons[i].getAttribute("data-key") === key) { buttons[i].focus(); return; }
    }
  }

  function emptyRow(tbody, columns, text) {
    tbody.appendChild(el("tr", null, el("td", { colspan: String(columns), className: "empty", text: text })));
  }

  function when(seconds) {
    if (typeof seconds !== "number") return "—";
    return new Date(seconds * 1000).toISOString().replace("T", " ").replace(".000Z", " UTC");
  }

  function badge(status) {
    var group = status === 0 ? "s0" : "s" + String(status).charAt(0);
    return el("span", { className: "badge " + group, text: status === 0 ? "none" : String(status) });
  }

  function pretty(value) { return JSON.stringify(value, null, 2); }

  function facts(pairs) {
    var list = el("dl", { className: "facts" });
    pairs.forEach(function (pair) {
      list.appendChild(el("dt", { text: pair[0] }));
      list.appendChild(el("dd", { text: pair[1] == null || pair[1] === "" ? "—" : String(pair[1]) }));
    });
    return list;
  }

  function query(params) {
    var parts = [];
    Object.keys(params).forEach(function (name) {
      if (params[name] !== "" && params[name] != null) {
        parts.push(encodeURIComponent(name) + "=" + encodeURIComponent(params[name]));
      }
    });
    return parts.length ? "?" + parts.join("&") : "";
  }

  function get(path) {
    return fetch(path, { headers: { Accept: "application/json" }, cache: "no-store" }).then(function (response) {
      return response.text().then(function (text) {
        var body = null;
        try { body = JSON.parse(text); } catch (ignored) { body = null; }
        return { status: response.status, text: text, body: body };
      });
    });
  }

  function changed(view, answer, force) {
    var key = answer.status + "\n" + answer.text;
    if (!force && state.seen[view] === key) return false;
    state.seen[view] = key;
    return true;
  }

  /* -- Views ------------------------------------------------------------------------ */

  function showView(name, focus) {
    if (VIEWS.indexOf(name) < 0) name = "customers";
    state.view = name;
    VIEWS.forEach(function (view) {
      $("view-" + view).hidden = view !== name;
    });
    Array.prototype.forEach.call(document.querySelectorAll("nav a[data-view]"), function (link) {
      if (link.getAttribute("data-view") === name) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    });
    if (focus) $("h-" + name).setAttribute("tabindex", "-1");
    if (focus) $("h-" + name).focus();
    refresh(true);
  }

  function renderCustomers(answer) {
    var tbody = $("customers");
    var focused = focusedKey(tbody);
    clear(tbody);
    var rows = (answer.body && answer.body.data) || [];
    var total = answer.body ? answer.body.total_count : 0;
    $("customers-count").textContent = total === rows.length
      ? total + (total === 1 ? " customer" : " customers")
      : "Showing " + rows.length + " of " + total + " customers";
    if (!rows.length) emptyRow(tbody, 4, state.q ? "No customer matches “" + state.q + "”." : "No customers yet.");
    var selected = null;
    rows.forEach(function (row) {
      var customer = row.customer;
      var isSelected = customer.id === state.customer;
      if (isSelected) selected = row;
      var open = el("button", {
        type: "button", className: "open mono", text: customer.id, "data-key": customer.id,
        "aria-pressed": isSelected ? "true" : "false",
        onclick: function () { state.customer = customer.id; renderCustomers(answer); }
      });
      tbody.appendChild(el("tr", { className: isSelected ? "selected" : "" },
        el("td", null, open), td(customer.email), td(row.api_key, "mono"),
        td(customer.sources ? customer.sources.total_count : 0, "hide-narrow")));
    });
    refocus(tbody, focused);
    renderCustomer(selected);
  }

  function renderCustomer(row) {
    var box = $("customer-detail");
    clear(box);
    if (!row) {
      box.appendChild(el("p", { className: "hint", text: state.customer
        ? "Customer " + state.customer + " is not in the list (deleted, or filtered out)."
        : "Choose a customer to see its cards and metadata." }));
      return;
    }
    var c = row.customer;
    box.appendChild(el("h3", { text: "Customer " + c.id }));
    box.appendChild(facts([
      ["Account", row.api_key], ["Email", c.email], ["Description", c.description],
      ["Created", when(c.created)], ["Balance", c.account_balance], ["Currency", c.currency],
      ["Delinquent", c.delinquent ? "yes" : "no"], ["Default source", c.default_source],
      ["Live mode", c.livemode ? "yes" : "no"]
    ]));
    var cards = (c.sources && c.sources.data) || [];
    box.appendChild(el("h3", { text: "Cards (" + (c.sources ? c.sources.total_count : 0) + ")" }));
    if (!cards.length) box.appendChild(el("p", { className: "hint", text: "No cards." }));
    else {
      var list = el("ul", { className: "cardlist" });
      cards.forEach(function (card) {
        var title = el("p", { className: "card-title" },
          el("strong", { text: card.brand + " " + card.funding }),
          " •••• " + card.last4 + " · expires " + String(card.exp_month).padStart(2, "0") + "/" + card.exp_year,
          card.id === c.default_source ? el("span", { className: "tag", text: "default" }) : null);
        list.appendChild(el("li", null, title, facts([
          ["Card", card.id], ["Name", card.name], ["CVC check", card.cvc_check],
          ["Line 1 check", card.address_line1_check], ["ZIP check", card.address_zip_check],
          ["Fingerprint", card.fingerprint]
        ])));
      });
      box.appendChild(list);
    }
    box.appendChild(el("h3", { text: "Metadata" }));
    var keys = Object.keys(c.metadata || {});
    if (!keys.length) box.appendChild(el("p", { className: "hint", text: "No metadata." }));
    else box.appendChild(facts(keys.map(function (key) { return [key, c.metadata[key]]; })));
  }

  function renderCalls(answer) {
    var tbody = $("calls");
    var error = $("calls-error");
    var focused = focusedKey(tbody);
    clear(tbody);
    if (answer.status !== 200) {
      error.hidden = false;
      error.textContent = (answer.body && answer.body.error && answer.body.error.message) || "The calls could not be read.";
      emptyRow(tbody, 5, "No calls shown.");
      $("calls-count").textContent = "";
      renderCall(null);
      return;
    }
    error.hidden = true;
    var rows = answer.body.data;
    $("calls-count").textContent = rows.length >= LIMIT
      ? "The newest " + rows.length + " calls, newest first"
      : rows.length + (rows.length === 1 ? " call" : " calls") + ", newest first";
    if (!rows.length) emptyRow(tbody, 5, "No calls yet.");
    var selected = null;
    for (var i = rows.length - 1; i >= 0; i--) {
      (function (call, number) {
        var id = call.request_id || String(number);
        var isSelected = id === state.call;
        if (isSelected) selected = call;
        var open = el("button", {
          type: "button", className: "open mono", text: call.path, "data-key": id,
          "aria-pressed": isSelected ? "true" : "false",
          "aria-label": call.method + " " + call.path + " answered " + call.status_code,
          onclick: function () { state.call = id; renderCalls(answer); }
        });
        tbody.appendChild(el("tr", { className: isSelected ? "selected" : "" },
          td(number, "hide-narrow"), el("td", null, el("span", { className: "method", text: call.method })),
          el("td", { className: "path" }, open), el("td", null, badge(call.status_code)),
          td(call.api_key, "mono hide-narrow")));
      })(rows[i], i + 1);
    }
    refocus(tbody, focused);
    renderCall(selected);
  }

  function renderCall(call) {
    var box = $("call-detail");
    clear(box);
    if (!call) {
      box.appendChild(el("p", { className: "hint", text: state.call
        ? "That call is no longer in the list."
        : "Choose a call to see its params and the response the client got." }));
      return;
    }
    box.appendChild(el("h3", { text: call.method + " " + call.path }));
    box.appendChild(facts([
      ["Status", call.status_code === 0 ? "none (the client got an exception)" : call.status_code],
      ["Key", call.api_key], ["Idempotency key", call.idempotency_key], ["Request id", call.request_id]
    ]));
    box.appendChild(el("h3", { text: "Params" }));
    box.appendChild(el("pre", { text: pretty(call.params), "aria-label": "Params" }));
    box.appendChild(el("h3", { text: "Response" }));
    box.appendChild(el("pre", { id: "call-response", text: pretty(call.response), "aria-label": "Response" }));
  }

  function renderEvents(answer) {
    var tbody = $("events");
    var focused = focusedKey(tbody);
    clear(tbody);
    var rows = (answer.body && answer.body.data) || [];
    $("events-count").textContent = rows.length >= LIMIT
      ? "The newest " + rows.length + " events, newest first"
      : rows.length + (rows.length === 1 ? " event" : " events") + ", newest first";
    if (!rows.length) emptyRow(tbody, 4, "No events yet.");
    var selected = null;
    for (var i = rows.length - 1; i >= 0; i--) {
      (function (event) {
        var isSelected = event.id === state.event;
        if (isSelected) selected = event;
        var open = el("button", {
          type: "button", className: "open", text: event.type, "data-key": event.id,
          "aria-label": event.type + " " + event.id, "aria-pressed": isSelected ? "true" : "false",
          onclick: function () { state.event = event.id; renderEvents(answer); }
        });
        var object = event.data && event.data.object;
        tbody.appendChild(el("tr", { className: isSelected ? "selected" : "" },
          el("td", null, open), td(object && object.id, "mono"), td(when(event.created), "hide-narrow"),
          td(event.id, "mono hide-narrow")));
      })(rows[i]);
    }
    refocus(tbody, focused);
    var box = $("event-detail");
    clear(box);
    if (!selected) {
      box.appendChild(el("p", { className: "hint", text: "Choose an event to see its data." }));
      return;
    }
    box.appendChild(el("h3", { text: selected.type }));
    box.appendChild(facts([["Event", selected.id], ["Created", when(selected.created)],
      ["Live mode", selected.livemode ? "yes" : "no"]]));
    if (selected.data.previous_attributes) {
      box.appendChild(el("h3", { text: "Previous attributes" }));
      box.appendChild(el("pre", { text: pretty(selected.data.previous_attributes) }));
    }
    box.appendChild(el("h3", { text: "Object" }));
    box.appendChild(el("pre", { text: pretty(selected.data.object) }));
  }

  function renderWebhooks(answer) {
    var tbody = $("webhooks");
    clear(tbody);
    if (answer.status === 404) {
      $("webhooks-count").textContent = "Webhook deliveries are not available on this server.";
      emptyRow(tbody, 5, "Not available.");
      return;
    }
    var rows = (answer.body && answer.body.data) || [];
    $("webhooks-count").textContent = rows.length + (rows.length === 1 ? " delivery" : " deliveries") + ", newest first";
    if (!rows.length) emptyRow(tbody, 5, "No deliveries yet.");
    for (var i = rows.length - 1; i >= 0; i--) {
      var row = rows[i];
      tbody.appendChild(el("tr", null, td(row.type), td(row.url || "in process (no URL)", "path"),
        el("td", null, row.status == null ? el("span", { className: "badge s0", text: "error" }) : badge(row.status)),
        td(row.attempt), td(row.event_id, "mono hide-narrow")));
    }
  }

  function renderFaults(answer) {
    var tbody = $("faults");
    clear(tbody);
    if (answer.status === 404) {
      $("faults-count").textContent = "Queued faults are not available on this server.";
      emptyRow(tbody, 6, "Not available.");
      return;
    }
    var rows = (answer.body && answer.body.data) || [];
    $("faults-count").textContent = rows.length
      ? rows.length + (rows.length === 1 ? " fault" : " faults") + ", in the order they will apply"
      : "No faults queued.";
    if (!rows.length) emptyRow(tbody, 6, "No faults queued.");
    rows.forEach(function (fault) {
      tbody.appendChild(el("tr", null, td(fault.error, "mono"), td(fault.method || "any"), td(fault.path || "any", "mono"),
        td(fault.times), td(fault.when), td(fault.delay ? fault.delay + " s" : "none")));
    });
  }

  function renderClock(answer) {
    $("clock").textContent = answer.status === 200 && answer.body && typeof answer.body.now === "number"
      ? when(answer.body.now) + " (" + answer.body.now + ")"
      : "not available";
  }

  var SOURCES = {
    customers: function () { return "/_fake/customers" + query({ q: state.q, limit: LIMIT }); },
    calls: function () {
      return "/_fake/calls" + query({ method: state.calls.method, path: state.calls.path, status: state.calls.status, limit: LIMIT });
    },
    events: function () { return "/_fake/events" + query({ type: state.type, limit: LIMIT }); },
    webhooks: function () { return "/_fake/webhooks/deliveries"; },
    faults: function () { return "/_fake/faults"; }
  };
  var RENDER = { customers: renderCustomers, calls: renderCalls, events: renderEvents, webhooks: renderWebhooks, faults: renderFaults };

  /* -- Polling ---------------------------------------------------------------------- */

  function setStatus(text, stale) {
    var node = $("status");
    if (node.textContent !== text) node.textContent = text;
    node.className = stale ? "stale" : "";
  }

  function refresh(force) {
    if (state.timer !== null) { clearTimeout(state.timer); state.timer = null; }
    if (force) state.seen[state.view] = null;
    if (state.running) {  // the poll under way runs again as soon as it ends
      state.again = state.again || !!force;
      return;
    }
    state.running = true;
    state.again = false;
    var view = state.view;
    var source = SOURCES[view]();
    Promise.all([get("/_fake/clock"), get(source)]).then(function (answers) {
      if (changed("clock", answers[0], false)) renderClock(answers[0]);
      var current = view === state.view && source === SOURCES[view]();
      if (current && changed(view, answers[1], false)) RENDER[view](answers[1]);
      setStatus(state.paused ? "Paused" : "Live", false);
    }).catch(function () {
      setStatus("The fake's server cannot be reached", true);
    }).then(function () {
      state.running = false;
      if (state.again || view !== state.view || source !== SOURCES[state.view]()) refresh(true);
      else if (!state.paused) state.timer = setTimeout(refresh, PERIOD_MS);
    });
  }

  function start() {
    $("pause").addEventListener("click", function () {
      state.paused = !state.paused;
      this.setAttribute("aria-pressed", state.paused ? "true" : "false");
      this.textContent = state.paused ? "Resume updates" : "Pause updates";
      if (state.paused) { setStatus("Paused", false); if (state.timer !== null) clearTimeout(state.timer); state.timer = null; }
      else refresh(true);
    });
    $("customer-search").addEventListener("submit", function (event) {
      event.preventDefault();
      state.q = $("q").value.trim();
      refresh(true);
    });
    $("q").addEventListener("input", function () {
      state.q = $("q").value.trim();
      refresh(true);
    });
    $("call-filters").addEventListener("submit", function (event) {
      event.preventDefault();
      state.calls = { method: $("f-method").value, path: $("f-path").value.trim(), status: $("f-status").value.trim() };
      refresh(true);
    });
    $("call-filters").addEventListener("reset", function () {
      state.calls = { method: "", path: "", status: "" };
      setTimeout(function () { refresh(true); }, 0);
    });
    $("event-filters").addEventListener("submit", function (event) {
      event.preventDefault();
      state.type = $("f-type").value;
      refresh(true);
    });
    $("f-type").addEventListener("change", function () { state.type = $("f-type").value; refresh(true); });
    window.addEventListener("hashchange", function () {
      var name = location.hash.slice(1);
      if (VIEWS.indexOf(name) >= 0) showView(name, true);  // "#main" is the skip link's
    });
    showView(location.hash.slice(1), false);
  }

  /* For the page's own tests: how a URL's query string becomes the period. */
  window.TofupayDashboard = { pollPeriod: pollPeriod };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
