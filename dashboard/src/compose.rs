//! A new payment request in the open conversation: amount, currency, description, whether
//! to collect a shipping address, whether the agent charges the card itself (agent capture),
//! and, for the seller's key, which agent it counts for.
//! The API judges every field; its error shows beside the field it names.

use crate::api::{self, Failure};
use crate::fields::{blames, TextField};
use crate::session::Session;
use chatpay_core::api::views::PaymentRequest;
use chatpay_core::currency::Currency;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};

/// The body of `POST /v1/payment_requests`, from the form as typed.
pub fn request_body(
    conversation_id: &str,
    amount: &str,
    currency: &str,
    description: &str,
    collect_shipping: bool,
    agent_id: &str,
    agent_capture: bool,
) -> Value {
    let mut body = json!({
        "amount": amount.trim(),
        "currency": currency,
        "description": description.trim(),
        "conversation_id": conversation_id,
        "collect_shipping": collect_shipping,
    });
    if !agent_id.trim().is_empty() {
        body["agent_id"] = Value::String(agent_id.trim().to_owned());
    }
    if agent_capture {
        body["capture"] = Value::String("agent".into());
    }
    body
}

#[component]
pub fn Compose<F>(conversation_id: String, on_created: F) -> impl IntoView
where
    F: Fn(PaymentRequest) + Copy + 'static,
{
    let session = expect_context::<Session>();
    let amount = RwSignal::new(String::new());
    let currency = RwSignal::new("USD".to_owned());
    let description = RwSignal::new(String::new());
    let shipping = RwSignal::new(false);
    let agent = RwSignal::new(String::new());
    let capture = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<Failure>);
    let done = RwSignal::new(None::<String>);
    // One key per filled-in form: a retry after a lost answer cannot create a second request.
    let attempt_key = StoredValue::new(api::new_idempotency_key());
    let is_agent = session.is_agent();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let body = request_body(
            &conversation_id,
            &amount.get_untracked(),
            &currency.get_untracked(),
            &description.get_untracked(),
            shipping.get_untracked(),
            &agent.get_untracked(),
            capture.get_untracked(),
        );
        busy.set(true);
        failure.set(None);
        done.set(None);
        let key = attempt_key.get_value();
        spawn_local(async move {
            let answer = api::post::<PaymentRequest>(
                &session.key(),
                "/v1/payment_requests",
                Some(&body),
                &key,
            )
            .await;
            busy.set(false);
            match answer {
                Ok(created) => {
                    attempt_key.set_value(api::new_idempotency_key());
                    amount.set(String::new());
                    description.set(String::new());
                    shipping.set(false);
                    capture.set(false);
                    done.set(Some("Request created. Paste it into the chat.".into()));
                    on_created(created);
                }
                Err(f) => {
                    session.check(&f);
                    failure.set(Some(f));
                }
            }
        });
    };
    // Changing the form makes it a new request, with a new idempotency key.
    let edited = move || attempt_key.set_value(api::new_idempotency_key());
    let on_edit = Callback::new(move |()| edited());
    let currency_invalid = blames(failure, "currency");
    let capture_invalid = blames(failure, "capture");

    view! {
        <form class="compose" on:submit=submit novalidate aria-labelledby="compose-title">
            <h3 id="compose-title">"New payment request"</h3>
            <div class="grid">
                <TextField id="new-amount" label="Amount" value=amount invalid=blames(failure, "amount")
                    inputmode="decimal" on_edit=on_edit />
                <label class="field" for="new-currency">
                    <span>"Currency"</span>
                    <select id="new-currency" name="new-currency" class:invalid=currency_invalid
                        prop:value=move || currency.get()
                        on:change=move |ev| { currency.set(event_target_value(&ev)); edited(); }>
                        {Currency::all().map(|c| view! { <option value=c.code()>{c.code()}</option> }).collect_view()}
                    </select>
                </label>
                <TextField id="new-description" label="Description" value=description
                    invalid=blames(failure, "description") on_edit=on_edit />
                {(!is_agent).then(|| view! {
                    <TextField id="new-agent" label="Agent (optional)" value=agent
                        invalid=blames(failure, "agent_id") on_edit=on_edit />
                })}
            </div>
            <label class="check">
                <input type="checkbox" id="new-shipping" prop:checked=move || shipping.get()
                    on:change=move |ev| { shipping.set(event_target_checked(&ev)); edited(); } />
                <span>"Collect a shipping address"</span>
            </label>
            <label class="check" class:invalid=capture_invalid>
                <input type="checkbox" id="new-capture" prop:checked=move || capture.get()
                    on:change=move |ev| { capture.set(event_target_checked(&ev)); edited(); } />
                <span>"I charge the card myself (agent capture: the card is kept for me for minutes)"</span>
            </label>
            {move || failure.get().map(|f| view! { <p class="error" role="alert">{f.message()}</p> })}
            {move || done.get().map(|m| view! { <p class="done" role="status">{m}</p> })}
            <button type="submit" class="primary" id="create-request" disabled=move || busy.get()>
                {move || if busy.get() { "Creating…" } else { "Create request" }}
            </button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_is_trimmed_and_names_an_agent_only_when_typed() {
        let body = request_body("chat-42", " 24.00 ", "EUR", " Mug ", true, "", false);
        assert_eq!(
            body,
            json!({"amount": "24.00", "currency": "EUR", "description": "Mug",
                   "conversation_id": "chat-42", "collect_shipping": true})
        );
        let body = request_body("chat-42", "1", "USD", "x", false, " maya ", true);
        assert_eq!(body["agent_id"], "maya");
        assert_eq!(body["capture"], "agent");
    }
}
