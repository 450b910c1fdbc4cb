/* Tofupay.js (v2) as served by tofupay_fake, for browser tests.
 *
 *   Tofupay.setPublishableKey("pk_test_...");
 *   Tofupay.card.createToken(formOrCard, function (status, response) { ... });
 *
 * Tokens are made by the server this script was loaded from: a page loads it
 * from the fake's URL instead of the real one and talks to the fake. */
(function (global) {
  "use strict";

  var script = document.currentScript;
  var origin = script && script.src ? new URL(script.src, document.baseURI).origin : global.location.origin;

  // Brands by number prefix, as the API names them.
  var BRANDS = [
    ["American Express", [[34, 34], [37, 37]]],
    ["Diners Club", [[300, 305], [36, 36], [38, 39]]],
    ["JCB", [[3528, 3589]]],
    ["Discover", [[6011, 6011], [644, 649], [65, 65]]],
    ["MasterCard", [[51, 55], [2221, 2720]]],
    ["Visa", [[4, 4]]]
  ];

  var publishableKey = null;

  function trim(value) { return String(value == null ? "" : value).replace(/^\s+|\s+$/g, ""); }

  function digitsOf(number) { return trim(number).replace(/[\s-]/g, ""); }

  function luhn(digits) {
    var total = 0;
    for (var i = 0; i < digits.length; i++) {
      var digit = digits.charCodeAt(digits.length - 1 - i) - 48;
      if (i % 2 === 1) digit = digit > 4 ? digit * 2 - 9 : digit * 2;
      total += digit;
    }
    return total % 10 === 0;
  }

  function validateCardNumber(number) {
    var digits = digitsOf(number);
    return /^\d{10,19}$/.test(digits) && luhn(digits);
  }

  function validateExpiry(month, year) {
    if (year === undefined && /\//.test(String(month))) {
      var parts = String(month).split("/");
      month = parts[0];
      year = parts[1];
    }
    month = trim(month);
    year = trim(year);
    if (!/^\d{1,2}$/.test(month) || !/^(\d{2}|\d{4})$/.test(year)) return false;
    var m = parseInt(month, 10);
    var y = parseInt(year, 10);
    if (m < 1 || m > 12) return false;
    if (year.length === 2) y += 2000;
    var now = new Date();
    var firstOfNextMonth = new Date(y, m, 1);  // the card works until its month ends
    return firstOfNextMonth > now;
  }

  function validateCVC(cvc) { return /^\d{3,4}$/.test(trim(cvc)); }

  function cardType(number) {
    var digits = digitsOf(number);
    if (!/^\d+$/.test(digits)) return "Unknown";
    for (var b = 0; b < BRANDS.length; b++) {
      var spans = BRANDS[b][1];
      for (var s = 0; s < spans.length; s++) {
        var width = String(spans[s][0]).length;
        if (digits.length >= width) {
          var prefix = parseInt(digits.slice(0, width), 10);
          if (prefix >= spans[s][0] && prefix <= spans[s][1]) return BRANDS[b][0];
        }
      }
    }
    return "Unknown";
  }

  function isForm(value) {
    return value && typeof value.querySelectorAll === "function";
  }

  function cardFromForm(form) {
    var card = {};
    var inputs = form.querySelectorAll("[data-tofupay]");
    for (var i = 0; i < inputs.length; i++) {
      var name = inputs[i].getAttribute("data-tofupay").replace(/-/g, "_");
      card[name] = inputs[i].value;
    }
    return card;
  }

  function encode(card, key) {
    var pairs = [];
    Object.keys(card).forEach(function (name) {
      var value = card[name];
      if (value === undefined || value === null || typeof value === "object" || typeof value === "function") return;
      if (name === "number") value = digitsOf(value);
      pairs.push(encodeURIComponent("card[" + name + "]") + "=" + encodeURIComponent(trim(value)));
    });
    if (key) pairs.push("key=" + encodeURIComponent(key));  // none: the API answers its own 401
    return pairs.join("&");
  }

  function connectionError(message) {
    return { error: { type: "api_connection_error", message: message } };
  }

  function createToken(cardOrForm, params, callback) {
    if (typeof params === "function") { callback = params; params = {}; }
    if (typeof callback !== "function") throw new TypeError("Tofupay.card.createToken needs a callback(status, response)");
    var card = isForm(cardOrForm) ? cardFromForm(cardOrForm) : (cardOrForm || {});
    var merged = {};
    Object.keys(card).forEach(function (name) { merged[name] = card[name]; });
    Object.keys(params || {}).forEach(function (name) { merged[name] = params[name]; });
    var request = new XMLHttpRequest();
    request.open("POST", origin + "/v1/tokens", true);
    request.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
    request.onload = function () {
      var body;
      try { body = JSON.parse(request.responseText); }
      catch (ignored) { body = connectionError("The response from " + origin + " was not JSON."); }
      callback(request.status, body);
    };
    request.onerror = function () {
      callback(0, connectionError("Could not reach " + origin + "/v1/tokens: the connection " +
        "failed, or the answer did not allow this page's origin (CORS)."));
    };
    request.send(encode(merged, publishableKey));
  }

  global.Tofupay = {
    version: 2,
    endpoint: origin + "/v1",
    setPublishableKey: function (key) { publishableKey = key; },
    getPublishableKey: function () { return publishableKey; },
    card: {
      createToken: createToken,
      validateCardNumber: validateCardNumber,
      validateExpiry: validateExpiry,
      validateCVC: validateCVC,
      cardType: cardType
    }
  };
})(window);
