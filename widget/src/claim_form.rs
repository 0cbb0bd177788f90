//! "Report a problem" on a paid order: a reason, an optional description, and a claim the
//! seller is told about. The card then reloads the request to show the claim in place.

use crate::client::{self, Failure, Shown};
use crate::failure_text::failure_message;
use crate::focus::focus_by_id;
use crate::frame::Frame;
use crate::js_value::js_object;
use crate::notice::alert_box;
use crate::order::CLAIM_REASONS;
use crate::parent::Parent;
use leptos::ev::SubmitEvent;
use leptos::html::Select;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;

#[component]
pub fn ReportProblem(
    frame: Arc<Frame>,
    parent: Parent,
    request: RwSignal<Option<Shown>>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let reason_error = RwSignal::new(None::<&'static str>);
    let alert = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let select = NodeRef::<Select>::new();

    let show = move |_| {
        open.set(true);
        spawn_local(focus_by_id("cp-claim-reason"));
    };

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        alert.set(None);
        let chosen = reason.get_untracked();
        if chosen.is_empty() {
            reason_error.set(Some("Choose what went wrong."));
            if let Some(select) = select.get_untracked() {
                let _ = select.focus();
            }
            return;
        }
        reason_error.set(None);
        let text = description.get_untracked();
        let mut pairs = vec![("reason", chosen.as_str().into())];
        if !text.trim().is_empty() {
            pairs.push(("description", text.trim().into()));
        }
        let Some(body) = js_sys::JSON::stringify(&js_object(&pairs))
            .ok()
            .and_then(|b| b.as_string())
        else {
            return;
        };
        busy.set(true);
        let frame = frame.clone();
        let parent = parent.clone();
        spawn_local(async move {
            let key = client::new_idempotency_key();
            let outcome = client::open_claim(&frame, &key, &body).await;
            let outcome = match outcome {
                Ok(()) => client::fetch_public(&frame).await,
                Err(failure) => Err(failure),
            };
            busy.set(false);
            match outcome {
                Ok(latest) => {
                    request.set(Some(latest));
                    focus_by_id("cp-claim-title").await;
                }
                Err(failure) => {
                    parent.error(failure.code(), &failure_message(&failure));
                    alert.set(Some(claim_failure(&failure)));
                }
            }
        });
    };

    let options = CLAIM_REASONS
        .iter()
        .map(|(code, label)| view! { <option value=*code>{*label}</option> })
        .collect_view();

    view! {
        <Show
            when=move || open.get()
            fallback=move || view! {
                <button id="cp-report" class="cp-link" type="button" on:click=show>"Report a problem"</button>
            }
        >
            <form class="cp-claim-form" novalidate on:submit=on_submit.clone() aria-labelledby="cp-claim-form-title">
                <h3 id="cp-claim-form-title" class="cp-claim-form-title">"Report a problem"</h3>
                <fieldset class="cp-fieldset" disabled=busy>
                    <div class="cp-field" class:cp-invalid=move || reason_error.get().is_some()>
                        <label for="cp-claim-reason">"What went wrong?"</label>
                        <select
                            id="cp-claim-reason"
                            name="reason"
                            node_ref=select
                            aria-invalid=move || reason_error.get().is_some().to_string()
                            aria-describedby=move || reason_error.get().map(|_| "cp-claim-reason-error")
                            on:change=move |ev| {
                                reason.set(event_target_value(&ev));
                                reason_error.set(None);
                            }
                        >
                            <option value="" selected>"Choose a reason"</option>
                            {options.clone()}
                        </select>
                        <p class="cp-error" id="cp-claim-reason-error" aria-live="polite">{move || reason_error.get()}</p>
                    </div>
                    <div class="cp-field">
                        <label for="cp-claim-description">"Details (optional)"</label>
                        <textarea
                            id="cp-claim-description"
                            name="description"
                            rows="3"
                            maxlength="2000"
                            placeholder="What happened? The seller will see this."
                            on:input=move |ev| description.set(event_target_value(&ev))
                        ></textarea>
                    </div>
                </fieldset>
                {alert_box(alert)}
                <div class="cp-confirm-actions">
                    <button class="cp-secondary cp-keep" type="button" disabled=busy on:click=move |_| {
                        open.set(false);
                        spawn_local(focus_by_id("cp-report"));
                    }>
                        "Cancel"
                    </button>
                    <button class="cp-danger cp-claim-submit" type="submit" disabled=busy>
                        {move || if busy.get() { "Sending…" } else { "Send report" }}
                    </button>
                </div>
            </form>
        </Show>
    }
}

/// A refused claim says why in the edge's words (the 30-day window, a claim already open);
/// other failures read as they do for a payment.
fn claim_failure(failure: &Failure) -> String {
    match failure {
        Failure::Api { status: 409, error } => {
            format!("We couldn't send your report. {}", error.message)
        }
        other => failure_message(other),
    }
}
