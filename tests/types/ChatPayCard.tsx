import { useEffect, useRef } from 'react';
import type { ChatPayElement, ChatPayErrorDetail, ChatPayPaidDetail } from './chat-pay';

interface ChatPayCardProps {
  request: string;
  clientSecret: string;
  onPaid?: (detail: ChatPayPaidDetail) => void;
  onError?: (detail: ChatPayErrorDetail) => void;
}

// Keep the key of the message that holds the card stable, and never reorder it: a new key
// mounts a new card, and the buyer loses what they typed.
export function ChatPayCard({ request, clientSecret, onPaid, onError }: ChatPayCardProps) {
  const ref = useRef<ChatPayElement>(null);
  useEffect(() => {
    const card = ref.current;
    if (!card) return;
    const paid = (e: CustomEvent<ChatPayPaidDetail>) => onPaid?.(e.detail);
    const failed = (e: CustomEvent<ChatPayErrorDetail>) => onError?.(e.detail);
    card.addEventListener('chatpay:paid', paid);
    card.addEventListener('chatpay:error', failed);
    return () => {
      card.removeEventListener('chatpay:paid', paid);
      card.removeEventListener('chatpay:error', failed);
    };
  }, [onPaid, onError]);
  return <chat-pay ref={ref} request={request} client-secret={clientSecret} />;
}
