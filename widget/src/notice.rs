//! The card's two kinds of notice, each drawn by one function for every view that shows it:
//! the alert line under a form (why the buyer's last try failed, what to do next) and the
//! outcome box (where the request stands, when that is all the card can show).

use leptos::prelude::*;

/// Why the last try failed. The App owns it, so it outlives the view it is shown in: a
/// PayPal window or a bank's check can end by showing the card form again.
pub type Alert = RwSignal<Option<String>>;

pub fn alert_box(alert: Alert) -> impl IntoView {
    view! {
        <div class="cp-alert" role="alert">
            {move || alert.get().map(|message| view! { <p class="cp-alert-text">{message}</p> })}
        </div>
    }
}

/// Where the request stands, focusable so the card can move focus here after the buyer's
/// own action.
pub fn outcome(title: &'static str, text: String) -> AnyView {
    view! {
        <div class="cp-outcome" role="status">
            <p id="cp-outcome-title" class="cp-outcome-title" tabindex="-1">{title}</p>
            <p class="cp-outcome-text">{text}</p>
        </div>
    }
    .into_any()
}
