// The demo chat page's script (index.html); served at /demo/chat.js in demo mode only,
// as a file so the page runs under a CSP with no inline script.
(function () {
  var log = document.getElementById('log');

  function time() {
    return new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  function add(kind, text, by) {
    var li = document.createElement('li');
    if (kind === 'system' || kind === 'note') {
      li.className = kind === 'note' ? 'system note' : 'system';
      li.textContent = text;
    } else {
      li.className = 'msg ' + kind;
      if (kind === 'them') {
        var av = document.createElement('div');
        av.className = 'avatar small';
        av.setAttribute('aria-hidden', 'true');
        av.textContent = 'M';
        li.appendChild(av);
      }
      var bubble = document.createElement('div');
      bubble.className = 'bubble';
      var p = document.createElement('p');
      p.textContent = text;
      var meta = document.createElement('span');
      meta.className = 'meta';
      meta.textContent = (by ? by + ' · ' : '') + time();
      bubble.appendChild(p);
      bubble.appendChild(meta);
      li.appendChild(bubble);
    }
    log.appendChild(li);
    li.scrollIntoView({ block: 'end', behavior: 'smooth' });
    return li;
  }

  // Chat transcripts must never hold card data: any Luhn-valid run of 12 to 19 digits
  // (spaces or dashes allowed between them) is shown as "•••• 4242" before it is displayed
  // or stored. A real site does this on its server too, before writing the transcript.
  function luhn(d) {
    var sum = 0;
    for (var i = 0; i < d.length; i++) {
      var n = +d[d.length - 1 - i];
      if (i % 2) { n *= 2; if (n > 9) n -= 9; }
      sum += n;
    }
    return sum % 10 === 0;
  }
  var LENGTHS = [16, 15, 19, 18, 17, 14, 13, 12];
  function maskRun(run) {
    var at = [];
    for (var i = 0; i < run.length; i++) if (run[i] >= '0' && run[i] <= '9') at.push(i);
    var digits = run.replace(/\D/g, '');
    var out = '', start = 0;
    while (start < at.length) {
      var hit = 0;
      for (var k = 0; k < LENGTHS.length && !hit; k++) {
        var n = LENGTHS[k];
        if (start + n <= digits.length && luhn(digits.substr(start, n))) hit = n;
      }
      if (hit) {
        out += '•••• ' + digits.substr(start + hit - 4, 4);
        start += hit;
        if (start < at.length) out += run.slice(at[start - 1] + 1, at[start]) || ' ';
      } else {
        out += run.slice(at[start], start + 1 < at.length ? at[start + 1] : run.length);
        start += 1;
      }
    }
    return out;
  }
  function maskCardNumbers(text) {
    return text.replace(/\d(?:[ -]?\d)*/g, function (run) {
      return run.replace(/\D/g, '').length >= 12 ? maskRun(run) : run;
    });
  }
  window.maskCardNumbers = maskCardNumbers;

  document.getElementById('composer').addEventListener('submit', function (e) {
    e.preventDefault();
    var input = document.getElementById('say');
    var raw = input.value.trim();
    input.value = '';
    if (!raw) return;
    var shown = maskCardNumbers(raw);
    add('me', shown);
    if (shown.indexOf('••••') !== -1) {
      setTimeout(function () {
        add('them', 'For your safety I hid that card number. Please pay with the secure card above instead: chat messages are never a safe place for card details.', 'Maya');
      }, 600);
    }
  });

  function money(amount, currency) {
    try {
      // Decimal string in, exact digits out; no float on the way.
      return new Intl.NumberFormat(navigator.language, { style: 'currency', currency: currency }).format(amount);
    } catch (err) {
      return amount + ' ' + currency;
    }
  }

  // The card tells us the buyer paid. This is a hint for the UI only: any script on the
  // page can dispatch a DOM event, so a real site fulfils the order only after its server
  // has confirmed the payment with GET /v1/payment_requests/{id} (seller key), and shows
  // "Payment received" from that answer.
  var thanked = {};
  document.addEventListener('chatpay:paid', function (e) {
    var d = e.detail || {};
    if (thanked[d.request_id]) return;
    thanked[d.request_id] = true;
    add('system', '✓ Payment received: ' + money(d.amount, d.currency) + ' · ' + d.payment_id);
    setTimeout(function () {
      add('them', d.currency === 'JPY'
        ? 'Thank you! The wrapping studio has your order; it will be wrapped in indigo furoshiki.'
        : 'Thank you, Sam! Your mug is confirmed and ships tomorrow. I\'ll send tracking here.', 'Maya');
    }, 500);
  });

  document.addEventListener('chatpay:declined', function (e) {
    var d = e.detail || {};
    if (thanked[d.request_id]) return;
    thanked[d.request_id] = true;
    add('system', 'Payment request declined');
    setTimeout(function () {
      add('them', 'No problem! Let me know if you change your mind.', 'Maya');
    }, 500);
  });

  document.addEventListener('chatpay:error', function (e) {
    var d = e.detail || {};
    // Declines are explained inside the card; only a card that cannot load needs a word here.
    if (d.code === 'resource_missing' || d.code === 'invalid_credentials' || d.code === 'missing_client_secret') {
      add('note', 'This payment card could not be loaded. Maya can send a new one.');
    }
  });
})();
