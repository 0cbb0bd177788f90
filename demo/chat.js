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

  // Chat transcripts must never hold card data. ChatPay (from the loader) masks card numbers
  // with the edge's own rule: in the input as the buyer types, pastes or presses Enter, and
  // again on the text sent. A real site masks on its server too (POST /v1/mask) before
  // writing the transcript.
  var say = document.getElementById('say');
  // The loader is async: ChatPay may come after this script. (Markup can name an element
  // `ChatPay` until the loader defines the real one, so check for its method.)
  var chatPay = new Promise(function (resolve) {
    if (typeof ChatPay === 'object' && typeof ChatPay.maskCardNumbers === 'function') resolve(ChatPay);
    else document.addEventListener('chatpay:loaded', function () { resolve(ChatPay); }, { once: true });
  });
  chatPay.then(function (api) { api.guardInput(say); });

  document.getElementById('composer').addEventListener('submit', function (e) {
    e.preventDefault();
    var raw = say.value.trim();
    if (!raw) return;
    chatPay.then(function (api) { return api.maskCardNumbers(raw); }).then(function (shown) {
      say.value = '';
      add('me', shown);
      if (shown !== raw) {
        setTimeout(function () {
          add('them', 'For your safety I hid that card number. Please pay with the secure card above instead: chat messages are never a safe place for card details.', 'Maya');
        }, 600);
      }
    }, function () {
      // Unchecked text is never sent: it stays in the input.
      add('system', 'This message could not be checked for card numbers, so it was not sent. Try again.');
    });
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
