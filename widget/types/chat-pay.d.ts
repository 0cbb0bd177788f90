// Types for chatpay's loader (https://EDGE/v1/widget.js): the <chat-pay> element, the
// chatpay:* events it fires, and window.ChatPay. Copy this file into your project (for React,
// also chat-pay-react.d.ts). docs/CONTRACT.md is the reference these types follow.

/** A payment request's status as the card reports it; newer values may appear. */
export type ChatPayStatus =
  | 'requested'
  | 'collected'
  | 'pending'
  | 'paid'
  | 'canceled'
  | 'declined'
  | 'expired'
  | (string & {});

/** `chatpay:ready`: the card loaded its request. */
export interface ChatPayReadyDetail {
  request_id: string;
  status: ChatPayStatus;
}

/** `chatpay:paid`: the buyer paid. Never card data. */
export interface ChatPayPaidDetail {
  request_id: string;
  payment_id: string;
  /** A decimal string in the currency's minor-unit precision, e.g. "24.00". */
  amount: string;
  /** ISO 4217, e.g. "USD". */
  currency: string;
}

/** `chatpay:error`: the API's error `code` and a message for people. */
export interface ChatPayErrorDetail {
  /** Absent when no card is concerned (`mask_unavailable`, fired by `ChatPay`). */
  request_id?: string;
  code: string;
  message: string;
}

/** `chatpay:declined` (the buyer said no) and `chatpay:collected` (agent capture). */
export interface ChatPayRequestDetail {
  request_id: string;
}

/** The events a `<chat-pay>` element fires; they bubble and cross shadow roots. */
export interface ChatPayEventMap {
  'chatpay:ready': CustomEvent<ChatPayReadyDetail>;
  'chatpay:paid': CustomEvent<ChatPayPaidDetail>;
  'chatpay:error': CustomEvent<ChatPayErrorDetail>;
  'chatpay:declined': CustomEvent<ChatPayRequestDetail>;
  'chatpay:collected': CustomEvent<ChatPayRequestDetail>;
}

/** The `<chat-pay request="pr_..." client-secret="cs_...">` element. */
export interface ChatPayElement extends HTMLElement {
  addEventListener<K extends keyof ChatPayEventMap>(
    type: K,
    listener: (this: ChatPayElement, event: ChatPayEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ): void;
  removeEventListener<K extends keyof ChatPayEventMap>(
    type: K,
    listener: (this: ChatPayElement, event: ChatPayEventMap[K]) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | EventListenerOptions,
  ): void;
}

/** The element's attributes, both required: the request and its client secret. */
export interface ChatPayAttributes {
  request: string;
  'client-secret': string;
}

/** `window.ChatPay`, defined by the loader once it has run (`chatpay:loaded` on document). */
export interface ChatPayApi {
  /** The text with every card number masked; rejects (and fires `mask_unavailable`) if the
   * mask cannot load, so unmasked text is never passed on. */
  maskCardNumbers(text: string): Promise<string>;
  /** Masks card numbers typed into `element` as each run ends, on paste, blur and Enter. */
  guardInput<E extends HTMLInputElement | HTMLTextAreaElement>(element: E): E;
}

declare global {
  interface HTMLElementTagNameMap {
    'chat-pay': ChatPayElement;
  }
  interface Window {
    /** Absent until the loader has run. */
    readonly ChatPay?: ChatPayApi;
  }
  interface DocumentEventMap {
    'chatpay:loaded': CustomEvent<null>;
    'chatpay:error': CustomEvent<ChatPayErrorDetail>;
  }
}
