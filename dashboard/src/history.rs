//! The order history: every filter `GET /v1/payment_requests` takes, the list itself, and
//! cursor pages (a stack of `starting_after` ids, so "Previous" goes back exactly).

use crate::api;
use crate::badges::Badges;
use crate::intl::{day_start, format_amount, format_time};
use crate::session::Session;
use chatpay_core::api::views::{List, PaymentRequest};
use chatpay_core::state::{Fulfillment, Refund, Status};
use leptos::prelude::*;
use leptos::task::spawn_local;

const PAGE_SIZE: &str = "20";

/// One page of the history.
type Page = List<PaymentRequest>;

/// The statuses a list can filter by: all but the ledger's internal `processing`.
fn listed_statuses() -> impl Iterator<Item = &'static str> {
    Status::ALL
        .iter()
        .filter(|s| s.public_str() == s.as_str())
        .map(|s| s.as_str())
}

/// The filter form's fields, as typed.
#[derive(Clone, Default, PartialEq)]
struct Filters {
    statuses: Vec<String>,
    fulfillment_status: String,
    refund_status: String,
    agent_id: String,
    conversation_id: String,
    created_from: String,
    created_to: String,
    paid_from: String,
    paid_to: String,
    q: String,
}

impl Filters {
    /// The query pairs; date inputs are whole UTC days, the "to" day included.
    fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs: Vec<(&'static str, String)> = self
            .statuses
            .iter()
            .map(|s| ("status", s.clone()))
            .collect();
        pairs.push(("fulfillment_status", self.fulfillment_status.clone()));
        pairs.push(("refund_status", self.refund_status.clone()));
        pairs.push(("agent_id", self.agent_id.trim().to_owned()));
        pairs.push(("conversation_id", self.conversation_id.trim().to_owned()));
        let day = |d: &str, after| day_start(d, after).unwrap_or_default();
        pairs.push(("created[gte]", day(&self.created_from, 0)));
        pairs.push(("created[lt]", day(&self.created_to, 1)));
        pairs.push(("paid[gte]", day(&self.paid_from, 0)));
        pairs.push(("paid[lt]", day(&self.paid_to, 1)));
        pairs.push(("q", self.q.trim().to_owned()));
        pairs
    }
}

#[component]
pub fn History(selected: RwSignal<Option<String>>, changed: RwSignal<u32>) -> impl IntoView {
    let session = expect_context::<Session>();
    let form = RwSignal::new(Filters::default());
    let applied = RwSignal::new(Filters::default());
    let cursors = RwSignal::new(Vec::<String>::new());
    let page = RwSignal::new(None::<Page>);
    let error = RwSignal::new(None::<api::Failure>);
    let loading = RwSignal::new(false);
    // Only the newest request's answer is shown, however the answers arrive.
    let generation = StoredValue::new(0u32);

    Effect::new(move |_| {
        let mut pairs = applied.get().pairs();
        pairs.push(("limit", PAGE_SIZE.into()));
        if let Some(cursor) = cursors.with(|c| c.last().cloned()) {
            pairs.push(("starting_after", cursor));
        }
        changed.track();
        let path = format!("/v1/payment_requests{}", api::query(&pairs));
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        loading.set(true);
        spawn_local(async move {
            let answer = api::get::<Page>(&session.key(), &path).await;
            // A newer query, or the view closed (switching tabs) while this one was away.
            if generation.try_get_value() != Some(mine) {
                return;
            }
            loading.set(false);
            match answer {
                Ok(p) => {
                    error.set(None);
                    page.set(Some(p));
                }
                Err(f) => {
                    session.check(&f);
                    error.set(Some(f));
                }
            }
        });
    });

    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        cursors.set(Vec::new());
        applied.set(form.get_untracked());
    };
    let reset = move |_| {
        form.set(Filters::default());
        cursors.set(Vec::new());
        applied.set(Filters::default());
    };
    let next = move |_| {
        let last =
            page.with_untracked(|p| p.as_ref().and_then(|p| p.data.last().map(|r| r.id.clone())));
        if let Some(id) = last {
            cursors.update(|c| c.push(id));
        }
    };
    let previous = move |_| {
        cursors.update(|c| {
            c.pop();
        })
    };

    view! {
        <section class="history card" aria-labelledby="history-title">
            <h2 id="history-title">"Orders"</h2>
            <FilterForm form on_apply=apply on_reset=reset error />
            {move || error.get().map(|f| view! { <p class="error" role="alert">{f.message()}</p> })}
            <ul class="order-list" aria-busy=move || loading.get().to_string()>
                {move || page.get().map(|p| {
                    if p.data.is_empty() {
                        return view! { <li class="empty">"No orders match these filters."</li> }.into_any();
                    }
                    p.data.into_iter().map(|r| view! { <OrderRow request=r selected /> }).collect_view().into_any()
                })}
            </ul>
            <nav class="pager" aria-label="Pages">
                <button type="button" class="secondary" on:click=previous
                    disabled=move || cursors.with(Vec::is_empty) || loading.get()>"← Previous"</button>
                <span class="muted">{move || format!("Page {}", cursors.with(Vec::len) + 1)}</span>
                <button type="button" class="secondary" on:click=next
                    disabled=move || !page.with(|p| p.as_ref().is_some_and(|p| p.has_more)) || loading.get()>"Next →"</button>
            </nav>
        </section>
    }
}

#[component]
fn FilterForm<A, R>(
    form: RwSignal<Filters>,
    on_apply: A,
    on_reset: R,
    error: RwSignal<Option<api::Failure>>,
) -> impl IntoView
where
    A: FnMut(leptos::ev::SubmitEvent) + 'static,
    R: FnMut(leptos::ev::MouseEvent) + 'static,
{
    // A text or date field bound to one member of the form.
    let field = move |id: &'static str,
                      label: &'static str,
                      kind: &'static str,
                      param: &'static str,
                      get: fn(&Filters) -> &String,
                      set: fn(&mut Filters, String)| {
        let invalid =
            move || error.with(|e| e.as_ref().and_then(|f| f.param()).as_deref() == Some(param));
        view! {
            <label class="field" for=id>
                <span>{label}</span>
                <input id=id name=id type=kind
                    class:invalid=invalid
                    prop:value=move || form.with(|f| get(f).clone())
                    on:input=move |ev| form.update(|f| set(f, event_target_value(&ev))) />
            </label>
        }
    };
    let select = move |id: &'static str,
                       label: &'static str,
                       choices: Vec<&'static str>,
                       get: fn(&Filters) -> &String,
                       set: fn(&mut Filters, String)| {
        view! {
            <label class="field" for=id>
                <span>{label}</span>
                <select id=id name=id
                    prop:value=move || form.with(|f| get(f).clone())
                    on:change=move |ev| form.update(|f| set(f, event_target_value(&ev)))>
                    <option value="">"Any"</option>
                    {choices.into_iter().map(|c| view! { <option value=c>{crate::intl::humanize(c)}</option> }).collect_view()}
                </select>
            </label>
        }
    };

    view! {
        <form class="filters" on:submit=on_apply>
            <fieldset class="statuses">
                <legend>"Status"</legend>
                {listed_statuses().map(|s| {
                    view! {
                        <label class="check">
                            <input type="checkbox" name="status" value=s
                                prop:checked=move || form.with(|f| f.statuses.iter().any(|x| x == s))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    form.update(|f| {
                                        f.statuses.retain(|x| x != s);
                                        if on { f.statuses.push(s.to_owned()); }
                                    });
                                } />
                            <span class=format!("badge status-{s}")>{crate::intl::humanize(s)}</span>
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <div class="grid">
                {field("f-q", "Description contains", "search", "q", |f| &f.q, |f, v| f.q = v)}
                {select("f-fulfillment", "Fulfillment", Fulfillment::ALL.iter().map(|f| f.as_str()).collect(),
                    |f| &f.fulfillment_status, |f, v| f.fulfillment_status = v)}
                {select("f-refund", "Refunds", Refund::ALL.iter().map(|r| r.as_str()).collect(),
                    |f| &f.refund_status, |f, v| f.refund_status = v)}
                {field("f-agent", "Agent", "text", "agent_id", |f| &f.agent_id, |f, v| f.agent_id = v)}
                {field("f-conversation", "Conversation", "text", "conversation_id",
                    |f| &f.conversation_id, |f, v| f.conversation_id = v)}
                {field("f-created-from", "Created from", "date", "created[gte]",
                    |f| &f.created_from, |f, v| f.created_from = v)}
                {field("f-created-to", "Created to", "date", "created[lt]",
                    |f| &f.created_to, |f, v| f.created_to = v)}
                {field("f-paid-from", "Paid from", "date", "paid[gte]", |f| &f.paid_from, |f, v| f.paid_from = v)}
                {field("f-paid-to", "Paid to", "date", "paid[lt]", |f| &f.paid_to, |f, v| f.paid_to = v)}
            </div>
            <div class="row">
                <button type="submit" class="primary">"Apply filters"</button>
                <button type="button" class="secondary" on:click=on_reset>"Clear"</button>
            </div>
        </form>
    }
}

#[component]
fn OrderRow(request: PaymentRequest, selected: RwSignal<Option<String>>) -> impl IntoView {
    let id = request.id.clone();
    let is_selected = {
        let id = id.clone();
        move || selected.with(|s| s.as_deref() == Some(id.as_str()))
    };
    let data_id = id.clone();
    let open = move |_| selected.set(Some(id.clone()));
    let badges = request.clone();
    view! {
        <li>
            <button type="button" class="order" class:selected=is_selected.clone()
                aria-current=move || is_selected().then_some("true")
                data-id=data_id on:click=open>
                <span class="order-main">
                    <span class="order-desc">{request.description.clone()}</span>
                    <span class="order-amount">{format_amount(&request.amount, &request.currency)}</span>
                </span>
                <span class="order-meta">
                    <span class="muted">{format_time(&request.created_at)}</span>
                    {request.agent_id.clone().map(|a| view! { <span class="muted">"· " {a}</span> })}
                </span>
                <Badges request=badges />
            </button>
        </li>
    }
}
