//! Agent capture in the console: a collected card, revealed on demand to the agent who asked
//! for it, with the time left in the seller's window, and the button that says it has been
//! charged on the seller's own processor.
//!
//! The card lives in one signal of the open conversation only ([`Shown`]), so that reading
//! the requests again does not drop it: never in storage, a URL, the history or a log. It
//! goes when the agent hides it, marks it processed, when the window closes, or when the
//! conversation closes.

use crate::api::{self, Failure};
use crate::session::Session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Deserialize;
use std::time::Duration;

/// The one card shown in a conversation, with its request id.
pub type Shown = RwSignal<Option<(String, Revealed)>>;

/// `POST .../reveal`'s answer (`card_reveal`).
#[derive(Clone, PartialEq, Deserialize)]
pub struct Revealed {
    number: String,
    exp_month: u32,
    exp_year: u32,
    cvc: Option<String>,
    name: String,
    postal_code: String,
}

/// `4242 4242 4242 4242`; American Express as `3782 822463 10005`.
pub fn grouped(number: &str) -> String {
    let widths: &[usize] =
        if number.len() == 15 && (number.starts_with("34") || number.starts_with("37")) {
            &[4, 6, 5]
        } else {
            &[4, 4, 4, 4, 4]
        };
    let mut out = Vec::new();
    let mut rest = number;
    for w in widths {
        if rest.is_empty() {
            break;
        }
        let (head, tail) = rest.split_at((*w).min(rest.len()));
        out.push(head);
        rest = tail;
    }
    if !rest.is_empty() {
        out.push(rest);
    }
    out.join(" ")
}

/// Seconds as `m:ss`.
pub fn countdown(seconds: i64) -> String {
    let s = seconds.max(0);
    format!("{}:{:02}", s / 60, s % 60)
}

/// Forgets the card shown for `id`, if it is the one shown.
fn hide_card(shown: Shown, id: &str) {
    shown.update(|s| {
        if s.as_ref().is_some_and(|(shown_id, _)| shown_id == id) {
            *s = None;
        }
    });
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

#[component]
pub fn CollectedCard(
    request_id: String,
    /// `reveal_expires_at`: when the card is deleted.
    expires_at: Option<String>,
    changed: RwSignal<u32>,
    shown: Shown,
) -> impl IntoView {
    let session = expect_context::<Session>();
    let this_request = request_id.clone();
    let revealed = Memo::new(move |_| {
        shown.with(|s| {
            s.as_ref()
                .filter(|(id, _)| *id == this_request)
                .map(|(_, c)| c.clone())
        })
    });
    // Copy, so every handler below can hold it: the id is kept where the view keeps it.
    let mine = StoredValue::new(request_id.clone());
    let hide = move || {
        if let Some(id) = mine.try_get_value() {
            hide_card(shown, &id);
        }
    };
    let failure = RwSignal::new(None::<Failure>);
    let busy = RwSignal::new(false);
    let now = RwSignal::new(now_ms());
    let deadline = expires_at
        .as_deref()
        .map(js_sys::Date::parse)
        .filter(|t| t.is_finite());
    let left = move || deadline.map(|d| ((d - now.get()) / 1000.0).ceil() as i64);
    if let Ok(tick) = set_interval_with_handle(move || now.set(now_ms()), Duration::from_secs(1)) {
        on_cleanup(move || tick.clear());
    }
    // The window closed: the edge deleted the card, and so does the console.
    Effect::new(move |_| {
        if left().is_some_and(|s| s <= 0) {
            hide();
        }
    });

    let base = format!("/v1/payment_requests/{}", api::segment(&request_id));
    let reveal_path = format!("{base}/reveal");
    let revealing = request_id.clone();
    let reveal = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failure.set(None);
        let path = reveal_path.clone();
        let id = revealing.clone();
        spawn_local(async move {
            // No Idempotency-Key: the answer holds the card, so the edge never stores it.
            let answer = api::post_unrecorded::<Revealed>(&session.key(), &path, None).await;
            busy.set(false);
            match answer {
                Ok(card) => shown.set(Some((id, card))),
                Err(f) => {
                    session.check(&f);
                    failure.set(Some(f));
                    changed.update(|n| *n += 1);
                }
            }
        });
    };
    let processed_path = format!("{base}/mark_processed");
    let processed = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failure.set(None);
        let path = processed_path.clone();
        let key = api::new_idempotency_key();
        spawn_local(async move {
            let answer = api::post::<serde_json::Value>(&session.key(), &path, None, &key).await;
            busy.set(false);
            match answer {
                Ok(_) => {
                    hide();
                    changed.update(|n| *n += 1);
                }
                Err(f) => {
                    session.check(&f);
                    failure.set(Some(f));
                }
            }
        });
    };
    let may_reveal = session.is_agent();

    view! {
        <div class="collected" data-id=request_id>
            <p class="collected-head">
                <strong>"Card collected for you."</strong>
                {move || match left() {
                    Some(s) if s > 0 => view! { " " <span class="countdown" role="timer">{countdown(s)}</span> " left to charge it, then it is deleted." }.into_any(),
                    Some(_) => view! { " The window closed: the card was deleted." }.into_any(),
                    None => view! { "" }.into_any(),
                }}
            </p>
            {(!may_reveal).then(|| view! {
                <p class="hint">"Only the agent who sent the request may reveal the card, with their own key."</p>
            })}
            {move || revealed.get().map(|c| {
                let exp = format!("{:02}/{:02}", c.exp_month, c.exp_year % 100);
                let cvc = c.cvc.clone().unwrap_or_else(|| "not available (ask the buyer again)".into());
                view! {
                    <dl class="facts revealed" aria-label="Revealed card">
                        <dt>"Number"</dt><dd class="mono reveal-number">{grouped(&c.number)}</dd>
                        <dt>"Expiry"</dt><dd class="mono reveal-expiry">{exp}</dd>
                        <dt>"CVC"</dt><dd class="mono reveal-cvc">{cvc}</dd>
                        <dt>"Name"</dt><dd>{c.name.clone()}</dd>
                        <dt>"Postal code"</dt><dd>{c.postal_code.clone()}</dd>
                    </dl>
                }
            })}
            {move || failure.get().map(|f| view! { <p class="error" role="alert">{f.message()}</p> })}
            <div class="row">
                {may_reveal.then(|| view! {
                    {move || if revealed.with(Option::is_some) {
                        view! { <button type="button" class="secondary hide-card" on:click=move |_| hide()>"Hide card"</button> }.into_any()
                    } else {
                        view! { <button type="button" class="secondary reveal-card" disabled=move || busy.get() || left().is_some_and(|s| s <= 0) on:click=reveal.clone()>"Reveal card"</button> }.into_any()
                    }}
                })}
                <button type="button" class="primary mark-processed" disabled=move || busy.get() || left().is_some_and(|s| s <= 0) on:click=processed>
                    "Processed"
                </button>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_group_as_printed_on_the_card() {
        assert_eq!(grouped("4242424242424242"), "4242 4242 4242 4242");
        assert_eq!(grouped("378282246310005"), "3782 822463 10005");
        assert_eq!(grouped("4000056655665556123"), "4000 0566 5566 5556 123");
    }

    #[test]
    fn the_countdown_reads_minutes_and_seconds() {
        assert_eq!(countdown(600), "10:00");
        assert_eq!(countdown(61), "1:01");
        assert_eq!(countdown(-5), "0:00");
    }
}
