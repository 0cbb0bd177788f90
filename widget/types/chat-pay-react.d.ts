// JSX for <chat-pay> in React (18 and 19): copy beside chat-pay.d.ts. React passes the
// attributes through to the element as written; events still need a ref (see the README's
// ChatPayCard wrapper).
import type { DetailedHTMLProps, HTMLAttributes } from 'react';
import type { ChatPayAttributes, ChatPayElement } from './chat-pay';

type ChatPayJsx = DetailedHTMLProps<HTMLAttributes<ChatPayElement>, ChatPayElement> &
  ChatPayAttributes;

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      'chat-pay': ChatPayJsx;
    }
  }
}
