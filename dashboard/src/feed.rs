//! The live feed of one conversation (`POST /v1/live/tickets`, then the WebSocket it names):
//! each event as it happens. A dropped socket comes back with a fresh ticket and `since`
//! the last event seen, so nothing is missed or shown twice; leaving the view closes it.

use crate::api;
use crate::session::Session;
use chatpay_core::api::views::Event;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Deserialize;
use serde_json::json;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, WebSocket};

/// What the console says about the feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    Connecting,
    Live,
    /// Lost; trying again after a pause.
    Retrying,
}

impl Link {
    pub fn label(self) -> &'static str {
        match self {
            Link::Connecting => "Connecting…",
            Link::Live => "Live",
            Link::Retrying => "Reconnecting…",
        }
    }
}

#[derive(Deserialize)]
struct Ticket {
    url: String,
}

/// Seconds between reconnection attempts: quick at first, then every 15 s.
fn pause_ms(failures: u32) -> i32 {
    [500, 1_000, 2_000, 5_000, 15_000][failures.min(4) as usize]
}

/// The open socket and its handlers, kept alive together; dropped when the view goes.
struct Socket {
    socket: WebSocket,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_open: Closure<dyn FnMut()>,
    _on_close: Closure<dyn FnMut()>,
}

struct Inner {
    conversation_id: String,
    session: Session,
    /// The newest event id received, for `since`.
    last: RefCell<Option<String>>,
    on_event: Box<dyn Fn(Event)>,
    link: RwSignal<Link>,
    open: RefCell<Option<Socket>>,
    failures: Cell<u32>,
    stopped: Cell<bool>,
}

/// A running feed. Drop it (or call [`Feed::stop`]) to close the socket for good.
#[derive(Clone)]
pub struct Feed(Rc<Inner>);

impl Feed {
    /// Starts watching `conversation_id`, replaying from `since` (the newest event already
    /// shown). `on_event` gets every event once, in order.
    pub fn start(
        session: Session,
        conversation_id: String,
        since: Option<String>,
        link: RwSignal<Link>,
        on_event: impl Fn(Event) + 'static,
    ) -> Feed {
        let feed = Feed(Rc::new(Inner {
            conversation_id,
            session,
            last: RefCell::new(since),
            on_event: Box::new(on_event),
            link,
            open: RefCell::new(None),
            failures: Cell::new(0),
            stopped: Cell::new(false),
        }));
        feed.connect();
        feed
    }

    pub fn stop(&self) {
        self.0.stopped.set(true);
        if let Some(open) = self.0.open.borrow_mut().take() {
            let _ = open.socket.close();
        }
    }

    fn connect(&self) {
        let feed = self.clone();
        let _ = feed.0.link.try_set(if feed.0.failures.get() == 0 {
            Link::Connecting
        } else {
            Link::Retrying
        });
        spawn_local(async move {
            let body = json!({"conversation_id": feed.0.conversation_id});
            // Each attempt mints its own ticket; the key is never put in the socket's URL.
            let ticket = api::post_unrecorded::<Ticket>(
                &feed.0.session.key(),
                "/v1/live/tickets",
                Some(&body),
            )
            .await;
            if feed.0.stopped.get() {
                return;
            }
            match ticket {
                Ok(t) => feed.open(&t.url),
                Err(f) => {
                    feed.0.session.check(&f);
                    feed.retry_later();
                }
            }
        });
    }

    fn open(&self, url: &str) {
        let url = match self.0.last.borrow().as_deref() {
            Some(since) => format!("{url}&since={}", api::segment(since)),
            None => url.to_owned(),
        };
        let Ok(socket) = WebSocket::new(&url) else {
            self.retry_later();
            return;
        };
        let weak = Rc::downgrade(&self.0);
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |m: MessageEvent| {
            let (Some(inner), Some(text)) = (weak.upgrade(), m.data().as_string()) else {
                return;
            };
            if let Ok(event) = serde_json::from_str::<Event>(&text) {
                *inner.last.borrow_mut() = Some(event.id.clone());
                (inner.on_event)(event);
            }
        });
        let weak = Rc::downgrade(&self.0);
        let on_open = Closure::<dyn FnMut()>::new(move || {
            if let Some(inner) = weak.upgrade() {
                inner.failures.set(0);
                let _ = inner.link.try_set(Link::Live);
            }
        });
        let weak = Rc::downgrade(&self.0);
        let on_close = Closure::<dyn FnMut()>::new(move || {
            if let Some(inner) = weak.upgrade() {
                Feed(inner).retry_later();
            }
        });
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        *self.0.open.borrow_mut() = Some(Socket {
            socket,
            _on_message: on_message,
            _on_open: on_open,
            _on_close: on_close,
        });
    }

    fn retry_later(&self) {
        if self.0.stopped.get() {
            return;
        }
        let failures = self.0.failures.get();
        self.0.failures.set(failures + 1);
        let _ = self.0.link.try_set(Link::Retrying);
        let weak = Rc::downgrade(&self.0);
        let again = Closure::once_into_js(move || {
            if let Some(inner) = weak.upgrade() {
                if !inner.stopped.get() {
                    Feed(inner).connect();
                }
            }
        });
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                again.unchecked_ref(),
                pause_ms(failures),
            );
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(open) = self.open.get_mut().take() {
            open.socket.set_onclose(None);
            let _ = open.socket.close();
        }
    }
}
