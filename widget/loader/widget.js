/*! chatpay loader v1: mounts payment cards from <chat-pay> and [data-chatpay-request]. */
(function () {
  'use strict';
  if (window.__chatpayLoader) return;
  window.__chatpayLoader = 1;

  // The edge serves this file, the frames and the API: its origin is ours.
  var me = document.currentScript ||
    document.querySelector('script[src$="/v1/widget.js"]');
  var EDGE = new URL(me.src, location.href).origin;
  var cards = [];

  function emit(host, name, detail) {
    host.dispatchEvent(new CustomEvent('chatpay:' + name, {
      detail: detail, bubbles: true, composed: true
    }));
  }

  function mount(host, request, secret) {
    for (var i = 0; i < cards.length; i++) {
      var c = cards[i];
      if (c.host === host && c.request === request && c.secret === secret) return;
    }
    unmount(host);
    if (!request || !secret) return;
    var frame = document.createElement('iframe');
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
    var root = host.shadowRoot || (host.attachShadow ? host.attachShadow({ mode: 'open' }) : host);
    root.appendChild(frame);
    cards.push({ host: host, frame: frame, request: request, secret: secret });
  }

  function unmount(host) {
    cards = cards.filter(function (c) {
      if (c.host !== host) return true;
      c.frame.remove();
      return false;
    });
  }

  addEventListener('message', function (e) {
    var d = e.data;
    if (e.origin !== EDGE || !d || d.chatpay !== 1) return;
    for (var i = 0; i < cards.length; i++) {
      var c = cards[i];
      if (e.source !== c.frame.contentWindow || d.request_id !== c.request) continue;
      if (d.type === 'resize' && d.height > 0) {
        c.frame.style.height = Math.ceil(Math.min(d.height, 4000)) + 'px';
      } else if (d.type === 'ready') {
        emit(c.host, 'ready', { request_id: c.request, status: d.status });
      } else if (d.type === 'paid') {
        emit(c.host, 'paid', {
          request_id: c.request, payment_id: d.payment_id,
          amount: d.amount, currency: d.currency
        });
      } else if (d.type === 'declined') {
        emit(c.host, 'declined', { request_id: c.request });
      } else if (d.type === 'error') {
        emit(c.host, 'error', { request_id: c.request, code: d.code, message: d.message });
      }
    }
  });

  if (window.customElements && !customElements.get('chat-pay')) {
    customElements.define('chat-pay', class extends HTMLElement {
      static get observedAttributes() { return ['request', 'client-secret']; }
      connectedCallback() {
        if (getComputedStyle(this).display === 'inline') this.style.display = 'block';
        mount(this, this.getAttribute('request'), this.getAttribute('client-secret'));
      }
      attributeChangedCallback() { if (this.isConnected) this.connectedCallback(); }
      disconnectedCallback() { unmount(this); }
    });
  }

  // The alias for sites that cannot use custom elements: <div data-chatpay-request=...>.
  function scan() {
    cards = cards.filter(function (c) { return c.host.isConnected; });
    var list = document.querySelectorAll('[data-chatpay-request]');
    for (var i = 0; i < list.length; i++) {
      var el = list[i];
      if (el.__chatpay) continue;
      el.__chatpay = 1;
      mount(el, el.getAttribute('data-chatpay-request'),
        el.getAttribute('data-chatpay-client-secret'));
    }
  }
  scan();
  if (document.readyState === 'loading') addEventListener('DOMContentLoaded', scan);
  new MutationObserver(scan).observe(document.documentElement, { childList: true, subtree: true });
})();
