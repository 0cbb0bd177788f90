//! The agent console: open a conversation by id, watch its timeline and each request's buyer
//! live, send a new request into it, and act on one (through the order view and its
//! actions). Works with the seller's key or an agent's restricted key, which sees what its
//! scope reaches.

use crate::api;
use crate::badges::Badges;
use crate::compose::Compose;
use crate::detail::{actor_text, Detail};
use crate::feed::{Feed, Link};
use crate::intl::{format_amount, format_time, humanize};
use crate::paste::PasteBox;
use crate::progress::{self, Step};
use crate::reveal::{CollectedCard, Shown};
use crate::session::Session;
use chatpay_core::api::views::{Event, List, PaymentRequest};
use chatpay_core::state::Status;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Timeline pages read when a conversation opens, at most (100 events each).
const TIMELINE_PAGES: usize = 20;

#[component]
pub fn Conversations() -> impl IntoView {
    let typed = RwSignal::new(String::new());
    let open = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let id = typed.get_untracked().trim().to_owned();
        open.set((!id.is_empty()).then_some(id));
    };
    view! {
        <section class="card open-conversation" aria-labelledby="open-title">
            <h2 id="open-title">"Conversations"</h2>
            <form class="row" on:submit=submit novalidate>
                <label class="field grow" for="conversation-id">
                    <span>"Conversation id"</span>
                    <input id="conversation-id" name="conversation-id" type="text" autocomplete="off"
                        spellcheck="false" placeholder="chat-42"
                        prop:value=move || typed.get()
                        on:input=move |ev| typed.set(event_target_value(&ev)) />
                </label>
                <button type="submit" class="primary" id="open-conversation">"Open"</button>
            </form>
        </section>
        {move || open.get().map(|id| view! { <Conversation id /> })}
    }
}

#[component]
fn Conversation(id: String) -> impl IntoView {
    let session = expect_context::<Session>();
    let timeline = RwSignal::new(Vec::<Event>::new());
    let requests = RwSignal::new(None::<Vec<PaymentRequest>>);
    let error = RwSignal::new(None::<api::Failure>);
    let link = RwSignal::new(Link::Connecting);
    let selected = RwSignal::new(None::<String>);
    let pasting = RwSignal::new(None::<String>);
    let shown: Shown = RwSignal::new(None);
    // Bumped by the feed and by every action: the requests (and the open order) read again.
    let changed = RwSignal::new(0u32);
    let feed = StoredValue::new_local(None::<Feed>);
    on_cleanup(move || {
        if let Some(Some(f)) = feed.try_get_value() {
            f.stop();
        }
    });

    let conversation = id.clone();
    spawn_local(async move {
        match read_timeline(&session.key(), &conversation).await {
            Ok(events) => {
                timeline.update(|t| {
                    progress::merge(t, events);
                });
            }
            Err(f) => {
                session.check(&f);
                error.set(Some(f));
            }
        }
        let since = timeline
            .try_with_untracked(|t| progress::last_id(t))
            .flatten();
        let on_event = move |event: Event| {
            let reread = progress::changes_request(&event);
            timeline.update(|t| {
                progress::merge(t, vec![event]);
            });
            if reread {
                changed.update(|n| *n += 1);
            }
        };
        let started = Feed::start(session, conversation, since, link, on_event);
        if feed.try_set_value(Some(started.clone())).is_some() {
            started.stop(); // the view closed while the timeline loaded
        }
    });

    let list_path = format!(
        "/v1/payment_requests{}",
        api::query(&[("conversation_id", id.clone()), ("limit", "100".into())])
    );
    Effect::new(move |_| {
        changed.track();
        let path = list_path.clone();
        spawn_local(async move {
            match api::get::<List<PaymentRequest>>(&session.key(), &path).await {
                Ok(list) => requests.set(Some(list.data)),
                Err(f) => {
                    session.check(&f);
                    error.set(Some(f));
                }
            }
        });
    });

    let on_created = move |created: PaymentRequest| {
        pasting.set(Some(created.id.clone()));
        changed.update(|n| *n += 1);
    };
    let title = id.clone();

    view! {
        <div class="conversation" class:has-detail=move || selected.with(Option::is_some) data-conversation=id.clone()>
            <section class="card conversation-main" aria-labelledby="conversation-title">
                <div class="conversation-head">
                    <h2 id="conversation-title">"Conversation " <span class="mono">{title}</span></h2>
                    <span class="live" class:on=move || link.get() == Link::Live role="status">
                        {move || link.get().label()}
                    </span>
                </div>
                {move || error.get().map(|f| view! { <p class="error" role="alert">{f.message()}</p> })}
                <Compose conversation_id=id.clone() on_created />
                <h3>"Requests"</h3>
                <ul class="plain conversation-requests" aria-busy=move || requests.with(Option::is_none).to_string()>
                    {move || requests.get().map(|list| {
                        if list.is_empty() {
                            return view! { <li class="empty">"No payment requests in this conversation yet."</li> }.into_any();
                        }
                        list.into_iter().rev().map(|r| view! { <RequestProgress request=r timeline selected pasting changed shown /> }).collect_view().into_any()
                    })}
                </ul>
                <h3>"Timeline"</h3>
                <ol class="timeline conversation-timeline" aria-live="polite">
                    {move || timeline.get().into_iter().map(|e| view! { <TimelineRow event=e /> }).collect_view()}
                </ol>
            </section>
            {move || selected.get().map(|id| view! { <Detail id selected changed back="← Conversation" /> })}
        </div>
    }
}

/// Every page of the conversation's timeline, oldest first.
async fn read_timeline(key: &str, conversation: &str) -> Result<Vec<Event>, api::Failure> {
    let mut events = Vec::new();
    let mut after = String::new();
    for _ in 0..TIMELINE_PAGES {
        let path = format!(
            "/v1/conversations/{}/timeline{}",
            api::segment(conversation),
            api::query(&[("limit", "100".into()), ("starting_after", after.clone())])
        );
        let page = api::get::<List<Event>>(key, &path).await?;
        let more = page.has_more;
        if let Some(last) = page.data.last() {
            after = last.id.clone();
        }
        events.extend(page.data);
        if !more || after.is_empty() {
            break;
        }
    }
    Ok(events)
}

/// One request of the conversation, with the buyer's way through it so far.
#[component]
fn RequestProgress(
    request: PaymentRequest,
    timeline: RwSignal<Vec<Event>>,
    selected: RwSignal<Option<String>>,
    pasting: RwSignal<Option<String>>,
    changed: RwSignal<u32>,
    shown: Shown,
) -> impl IntoView {
    let id = request.id.clone();
    let collected = (request.status.known() == Some(Status::Collected))
        .then(|| view! { <CollectedCard request_id=id.clone() expires_at=request.reveal_expires_at.clone() changed shown /> });
    let steps_id = id.clone();
    let steps = move || timeline.with(|t| progress::steps(t, &steps_id));
    let payable = request.actions().pay;
    let (open_id, paste_id, shown_id) = (id.clone(), id.clone(), id.clone());
    let secret = request.client_secret.clone();
    view! {
        <li class="request-progress" data-id=id.clone()>
            <div class="order-main">
                <span class="order-desc">{request.description.clone()}</span>
                <span class="order-amount">{format_amount(&request.amount, &request.currency)}</span>
            </div>
            <Badges request=request.clone() />
            <ol class="steps" aria-label="Buyer progress">
                {move || steps().into_iter().map(|s| view! { <StepRow step=s /> }).collect_view()}
            </ol>
            {collected}
            <div class="row">
                <button type="button" class="secondary open-order" on:click=move |_| selected.set(Some(open_id.clone()))>
                    "Open order"
                </button>
                {payable.then(|| view! {
                    <button type="button" class="secondary show-paste"
                        on:click=move |_| pasting.update(|p| *p = if p.as_deref() == Some(&paste_id) { None } else { Some(paste_id.clone()) })>
                        "What to paste"
                    </button>
                })}
            </div>
            {move || (payable && pasting.with(|p| p.as_deref() == Some(shown_id.as_str())))
                .then(|| view! { <PasteBox request_id=shown_id.clone() client_secret=secret.clone() /> })}
        </li>
    }
}

#[component]
fn StepRow(step: Step) -> impl IntoView {
    let done = step.at.is_some();
    let when = match (&step.at, step.times) {
        (Some(at), 1) => format_time(at),
        (Some(at), n) => format!("{} · {n} times", format_time(at)),
        (None, _) => "not yet".into(),
    };
    view! {
        <li class="step" class:done=done data-step=step.key>
            <span class="step-label">{step.label}</span>
            <span class="muted step-time">{when}</span>
        </li>
    }
}

#[component]
fn TimelineRow(event: Event) -> impl IntoView {
    let kind = event.kind.as_str().to_owned();
    let actor = actor_text(&event.actor);
    view! {
        <li class="event" data-type=kind.clone() data-request=event.request_id.clone()>
            <span class="event-type">{humanize(&kind.replace('.', " "))}</span>
            <span class="muted">{format_time(&event.created_at)} " · " <span class="mono">{event.request_id.clone()}</span> " · by " {actor}</span>
        </li>
    }
}
