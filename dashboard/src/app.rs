//! The page as a whole: the sign-in form until a key is stored, then the dashboard with its
//! views: orders, conversations (the agent console) and, for the seller's key, revenue.

use crate::api;
use crate::conversations::Conversations;
use crate::detail::Detail;
use crate::history::History;
use crate::revenue::Revenue;
use crate::session::{self, Session};
use chatpay_core::api::views::{List, PaymentRequest};
use chatpay_core::routes::Operation;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Orders,
    Conversations,
    Revenue,
}

#[component]
pub fn App() -> impl IntoView {
    let session = Session {
        key: RwSignal::new(session::stored_key()),
        notice: RwSignal::new(None),
    };
    provide_context(session);
    if is_framed() {
        return view! {
            <main class="signin">
                <p class="error" role="alert">"Open the dashboard in its own tab, not inside another page."</p>
            </main>
        }
        .into_any();
    }
    (move || match session.key.get() {
        Some(_) => view! { <Dashboard /> }.into_any(),
        None => view! { <SignIn /> }.into_any(),
    })
    .into_any()
}

/// The edge forbids framing `/dashboard` (CSP `frame-ancestors 'none'`); this also covers any
/// copy of the page served without that header, so no one can overlay the key form.
fn is_framed() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    match window.top() {
        Ok(Some(top)) => !js_sys::Object::is(&top, &window),
        _ => true,
    }
}

#[component]
fn SignIn() -> impl IntoView {
    let session = expect_context::<Session>();
    let typed = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(session.notice.get_untracked());

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let key = typed.get_untracked().trim().to_owned();
        if !session::looks_like_secret_key(&key) {
            error.set(Some(
                "Paste your secret key: it starts with sk_test_ or sk_live_ (rk_ for an agent)."
                    .into(),
            ));
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            // One cheap read proves the key before it is kept.
            let checked =
                api::get::<List<PaymentRequest>>(&key, "/v1/payment_requests?limit=1").await;
            busy.set(false);
            match checked {
                Ok(_) => {
                    session::store_key(&key);
                    typed.set(String::new());
                    session.notice.set(None);
                    session.key.set(Some(key));
                }
                Err(f) if f.is_unauthorized() => {
                    error.set(Some("That key was not accepted.".into()))
                }
                Err(f) => error.set(Some(f.message())),
            }
        });
    };

    view! {
        <main class="signin">
            <h1>"chatpay" <span class="muted">" · Seller dashboard"</span></h1>
            <form class="card signin-form" on:submit=submit novalidate>
                <label for="key">"Secret key"</label>
                <input
                    id="key"
                    name="key"
                    type="password"
                    autocomplete="off"
                    spellcheck="false"
                    placeholder="sk_test_..."
                    class:invalid=move || error.with(Option::is_some)
                    aria-invalid=move || error.with(Option::is_some).to_string()
                    prop:value=move || typed.get()
                    on:input=move |ev| typed.set(event_target_value(&ev))
                />
                <p class="hint">"Kept in this tab only, and forgotten when you sign out or close it."</p>
                {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                <button class="primary" type="submit" disabled=move || busy.get()>
                    {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </main>
    }
}

#[component]
fn Dashboard() -> impl IntoView {
    let session = expect_context::<Session>();
    // An agent works conversations; the seller starts from the orders.
    let agent = session.is_agent();
    let tab = RwSignal::new(if agent {
        Tab::Conversations
    } else {
        Tab::Orders
    });
    let selected = RwSignal::new(None::<String>);
    // Bumped after every action, so the list and the open order read the server again.
    let changed = RwSignal::new(0u32);

    let tab_button = move |which: Tab, label: &'static str| {
        view! {
            <button
                type="button"
                class="tab"
                class:active=move || tab.get() == which
                aria-pressed=move || (tab.get() == which).to_string()
                on:click=move |_| tab.set(which)
            >
                {label}
            </button>
        }
    };

    view! {
        <header class="top">
            <h1>"chatpay" <span class="muted">{if agent { " · Agent console" } else { " · Seller dashboard" }}</span></h1>
            <nav class="tabs">
                {tab_button(Tab::Orders, "Orders")}
                {tab_button(Tab::Conversations, "Conversations")}
                {session.may(Operation::Revenue).then(|| tab_button(Tab::Revenue, "Revenue"))}
            </nav>
            <button type="button" class="secondary signout" on:click=move |_| session.sign_out(None)>
                "Sign out"
            </button>
        </header>
        {move || match tab.get() {
            Tab::Orders => view! {
                <main class="orders" class:has-detail=move || selected.with(Option::is_some)>
                    <History selected changed />
                    {move || selected.get().map(|id| view! { <Detail id selected changed /> })}
                </main>
            }
            .into_any(),
            Tab::Conversations => view! { <main class="conversations"><Conversations /></main> }.into_any(),
            Tab::Revenue => view! { <main class="revenue"><Revenue /></main> }.into_any(),
        }}
    }
}
