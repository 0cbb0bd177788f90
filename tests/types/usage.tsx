// What the types must accept and refuse. Each @ts-expect-error fails the check when its line
// stops being an error, so a type that grows too loose is caught as surely as one too strict.
import { ChatPayCard } from './ChatPayCard';
import type { ChatPayElement } from './chat-pay';

export const inChat = (
  <ChatPayCard request="pr_123" clientSecret="cs_456" onPaid={(p) => console.log(p.payment_id, p.amount)} />
);

// @ts-expect-error the client secret is required
export const noSecret = <chat-pay request="pr_123" />;

// @ts-expect-error attributes are strings
export const numeric = <chat-pay request={123} client-secret="cs_456" />;

const card = document.querySelector('chat-pay');
card?.addEventListener('chatpay:ready', (e) => e.detail.status.toUpperCase());
card?.addEventListener('chatpay:collected', (e) => e.detail.request_id);
// @ts-expect-error a paid event carries no card data
card?.addEventListener('chatpay:paid', (e) => e.detail.last4);
export const element: ChatPayElement | null = card;

document.addEventListener('chatpay:loaded', async () => {
  const masked: string | undefined = await window.ChatPay?.maskCardNumbers('4242 4242 4242 4242');
  const input = document.querySelector('textarea');
  if (input) window.ChatPay?.guardInput(input).focus();
  return masked;
});
// @ts-expect-error ChatPay is read-only
window.ChatPay = undefined;
