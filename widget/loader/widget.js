/*! chatpay loader v1: mounts payment cards from <chat-pay> and [data-chatpay-request]. */
(function () {
  'use strict';
  // The edge's origin, written over this literal by the Worker that serves this file
  // (edge/src/loader.rs). Never taken from the page: markup in a chat message can forge
  // document.currentScript, and the cards would then hand their secrets to its origin.
  var EDGE = "__CHATPAY_EDGE_ORIGIN__";
  // Still the placeholder (the raw build file): frame nothing rather than a relative URL.
  if (!/^https?:\/\/[^/]+$/.test(EDGE)) return;

  // Markup can shadow what it can name: `document.<name>` answers with the <img>, <form>,
  // <embed>, <object> or <iframe> of that name before any built-in (Document overrides
  // built-ins), and a form's properties with its controls. So DOM methods and getters are
  // taken from their prototypes, once, and called on the node. Window is different: its
  // named access only answers names that neither the window nor anything on its prototype
  // chain already has, and `document` and `location` are unforgeable, so built-ins such as
  // customElements, addEventListener, MutationObserver, CustomEvent, queueMicrotask and
  // location cannot be shadowed; an invented name such as a `window.__chatpayLoader` flag can.
  var getter = function (proto, name) { return Object.getOwnPropertyDescriptor(proto, name).get; };
  var createElement = Document.prototype.createElement;
  var queryAllInDocument = Document.prototype.querySelectorAll;
  var documentElementOf = getter(Document.prototype, 'documentElement');
  var getAttribute = Element.prototype.getAttribute;
  var matches = Element.prototype.matches;
  var queryAll = Element.prototype.querySelectorAll;
  var attachShadow = Element.prototype.attachShadow;
  var shadowRootOf = getter(Element.prototype, 'shadowRoot');
  var localNameOf = getter(Element.prototype, 'localName');
  var appendChild = Node.prototype.appendChild;
  var isConnected = getter(Node.prototype, 'isConnected');
  var nodeTypeOf = getter(Node.prototype, 'nodeType');
  var dispatchEvent = EventTarget.prototype.dispatchEvent;
  var styleOf = getter(HTMLElement.prototype, 'style');

  // Once per page, even if the tag is pasted twice: the registry cannot be forged by markup.
  if (customElements.get('chat-pay')) return;

  var ALIAS = '[data-chatpay-request]';
  var mounted = new Map(); // host element -> {frame, request, secret}
  var pending = new Set(); // hosts to settle in the next microtask

  // The attributes that name a host's card: <chat-pay request client-secret>, or the alias.
  function wanted(host) {
    var alias = localNameOf.call(host) !== 'chat-pay';
    var request = getAttribute.call(host, alias ? 'data-chatpay-request' : 'request');
    var secret = getAttribute.call(host, alias ? 'data-chatpay-client-secret' : 'client-secret');
    if (!isConnected.call(host) || !request || !secret) return null;
    return { request: request, secret: secret };
  }

  // Attribute and tree changes only mark a host; it is settled once the current task's
  // changes are all in. A chat UI that reuses an element sets its request and then its
  // secret: mounting on each change would frame one request's id with another's secret.
  function schedule(host) {
    if (pending.has(host)) return;
    pending.add(host);
    if (pending.size === 1) queueMicrotask(settle);
  }

  function settle() {
    var hosts = Array.from(pending);
    pending.clear();
    for (var i = 0; i < hosts.length; i++) reconcile(hosts[i]);
  }

  function reconcile(host) {
    var want = wanted(host);
    var card = mounted.get(host);
    if (card && want && card.request === want.request && card.secret === want.secret) return;
    if (card) {
      card.frame.remove();
      mounted.delete(host);
    }
    if (want) mount(host, want.request, want.secret);
  }

  function mount(host, request, secret) {
    // Our own frame: no markup names its properties, so only creating it needs care.
    var frame = createElement.call(document, 'iframe');
    // The secret rides in the fragment: never sent to a server, never logged.
    frame.src = EDGE + '/v1/frame/' + encodeURIComponent(request) +
      '#client_secret=' + encodeURIComponent(secret) +
      '&origin=' + encodeURIComponent(location.origin);
    frame.title = 'Secure card payment';
    frame.allow = 'payment';
    frame.setAttribute('scrolling', 'no');
    var s = frame.style;
    s.display = 'block';
    s.width = '100%';
    s.height = '330px';
    s.border = '0';
    s.overflow = 'hidden';
    s.colorScheme = 'light';
    if (localNameOf.call(host) === 'chat-pay' && getComputedStyle(host).display === 'inline') {
      styleOf.call(host).display = 'block';
    }
    var root = shadowRootOf.call(host);
    if (!root) {
      // Only some elements take a shadow root; the others hold the frame themselves.
      try { root = attachShadow.call(host, { mode: 'open' }); } catch (e) { root = host; }
    }
    appendChild.call(root, frame);
    mounted.set(host, { frame: frame, request: request, secret: secret });
  }

  function emit(host, name, detail) {
    dispatchEvent.call(host, new CustomEvent('chatpay:' + name, {
      detail: detail, bubbles: true, composed: true
    }));
  }

  // A frame speaks only for the request it was mounted with, from the edge's origin.
  addEventListener('message', function (e) {
    var d = e.data;
    if (e.origin !== EDGE || !d || d.chatpay !== 1) return;
    mounted.forEach(function (c, host) {
      if (e.source !== c.frame.contentWindow || d.request_id !== c.request) return;
      if (d.type === 'resize' && d.height > 0) {
        c.frame.style.height = Math.ceil(Math.min(d.height, 4000)) + 'px';
      } else if (d.type === 'ready') {
        emit(host, 'ready', { request_id: c.request, status: d.status });
      } else if (d.type === 'paid') {
        emit(host, 'paid', {
          request_id: c.request, payment_id: d.payment_id,
          amount: d.amount, currency: d.currency
        });
      } else if (d.type === 'collected') {
        // Agent capture: the card went to the seller, nothing was charged yet.
        emit(host, 'collected', { request_id: c.request });
      } else if (d.type === 'declined') {
        emit(host, 'declined', { request_id: c.request });
      } else if (d.type === 'error') {
        emit(host, 'error', { request_id: c.request, code: d.code, message: d.message });
      }
    });
  });

  customElements.define('chat-pay', class extends HTMLElement {
    static get observedAttributes() { return ['request', 'client-secret']; }
    connectedCallback() { schedule(this); }
    attributeChangedCallback() { schedule(this); }
    disconnectedCallback() { schedule(this); }
  });

  // The alias for sites that cannot use custom elements: <div data-chatpay-request=...>.
  // Hosts added, removed or given other attributes are settled like <chat-pay>.
  function scanAdded(node) {
    if (nodeTypeOf.call(node) !== 1) return;
    if (matches.call(node, ALIAS)) schedule(node);
    var inside = queryAll.call(node, ALIAS);
    for (var i = 0; i < inside.length; i++) schedule(inside[i]);
  }

  function onMutations(records) {
    var removed = false;
    for (var i = 0; i < records.length; i++) {
      var r = records[i];
      if (r.type === 'attributes') {
        schedule(r.target);
        continue;
      }
      for (var j = 0; j < r.addedNodes.length; j++) scanAdded(r.addedNodes[j]);
      if (r.removedNodes.length) removed = true;
    }
    if (removed) {
      mounted.forEach(function (c, host) { if (!isConnected.call(host)) schedule(host); });
    }
  }

  // ---- ChatPay: card numbers never stand in a chat transcript (issue 9) ----
  // core::mask, the edge's own rule, as a small wasm module fetched only when the page first
  // calls ChatPay. Its file name is written over this literal by scripts/build-mask.sh.
  var MASK_MODULE = "__CHATPAY_MASK_MODULE__";
  var maskLoad = null; // Promise of the module's exports, or null before the first call
  var encoder = new TextEncoder();
  var decoder = new TextDecoder();

  function maskUnavailable(target) {
    var message = 'Card numbers could not be checked, so the text was not passed on.';
    dispatchEvent.call(target || document, new CustomEvent('chatpay:error', {
      detail: { code: 'mask_unavailable', message: message }, bubbles: true, composed: true
    }));
    return new Error('mask_unavailable: ' + message);
  }

  function loadMask() {
    if (!maskLoad) {
      maskLoad = fetch(EDGE + '/v1/mask/' + MASK_MODULE, { credentials: 'omit' })
        .then(function (r) {
          if (!r.ok) throw new Error('HTTP ' + r.status);
          return r.arrayBuffer();
        })
        .then(function (bytes) { return WebAssembly.instantiate(bytes); })
        .then(function (m) { return m.instance.exports; });
      // A failed load may be retried by the next call.
      maskLoad.catch(function () { maskLoad = null; });
    }
    return maskLoad;
  }

  function maskWith(x, text) {
    var bytes = encoder.encode(text);
    var at = x.input(bytes.length);
    new Uint8Array(x.memory.buffer, at, bytes.length).set(bytes);
    var length = x.mask(bytes.length);
    return decoder.decode(new Uint8Array(x.memory.buffer, x.output(), length));
  }

  var loaded = null; // the exports, once loaded, for the synchronous paths of guardInput

  function maskCardNumbers(text) {
    return loadMask().then(function (x) {
      loaded = x;
      return maskWith(x, String(text));
    }, function () { throw maskUnavailable(); });
  }

  // A digit, or what may sit between a card number's digits: a run has not ended yet.
  var IN_RUN = /[0-9\uFF10-\uFF19 .\-]$/;

  function guardInput(el) {
    var held = false;
    function apply() {
      if (!loaded) return false;
      var value = el.value;
      var masked = maskWith(loaded, value);
      if (masked !== value) {
        var end = el.selectionEnd === value.length;
        el.value = masked;
        if (end) el.setSelectionRange(masked.length, masked.length);
      }
      return true;
    }
    function ready() {
      return maskCardNumbers('').then(function () { return true; }, function () {
        maskUnavailable(el);
        return false;
      });
    }
    ready();
    el.addEventListener('input', function (e) {
      var before = el.value.slice(0, el.selectionEnd == null ? el.value.length : el.selectionEnd);
      if (e.inputType === 'insertFromPaste' || e.inputType === 'insertFromDrop' || !IN_RUN.test(before)) apply();
    }, true);
    el.addEventListener('blur', apply, true);
    el.addEventListener('keydown', function (e) {
      if (e.key !== 'Enter' || e.shiftKey || e.isComposing) return;
      if (apply()) return; // masked before the page's own handlers read the value
      // Not loaded yet: hold this Enter, and send one again once the text is masked.
      e.preventDefault();
      e.stopImmediatePropagation();
      if (held) return;
      held = true;
      ready().then(function (ok) {
        held = false;
        if (!ok || !apply()) return; // never pass on text that was not checked
        var again = new KeyboardEvent('keydown', { key: 'Enter', code: 'Enter', bubbles: true, cancelable: true });
        if (dispatchEvent.call(el, again) && el.form) el.form.requestSubmit();
      });
    }, true);
    return el;
  }

  // An own, non-writable, non-configurable property: page markup or scripts cannot replace it.
  Object.defineProperty(window, 'ChatPay', {
    value: Object.freeze({ maskCardNumbers: maskCardNumbers, guardInput: guardInput }),
    writable: false, configurable: false, enumerable: false
  });
  // For pages whose own scripts may run first (this script is usually async).
  dispatchEvent.call(document, new CustomEvent('chatpay:loaded'));

  var present = queryAllInDocument.call(document, ALIAS);
  for (var i = 0; i < present.length; i++) schedule(present[i]);
  // Also sees the elements the parser adds after this async script ran.
  new MutationObserver(onMutations).observe(documentElementOf.call(document), {
    childList: true, subtree: true, attributes: true,
    attributeFilter: ['data-chatpay-request', 'data-chatpay-client-secret']
  });
})();
