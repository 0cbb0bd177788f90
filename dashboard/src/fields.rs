//! The console's form fields and how an API error finds its field: every form (an order's
//! actions, a new request, the revenue filters) marks the field whose name the API's error
//! carries in `param`, with the same markup.

use crate::api::Failure;
use leptos::prelude::*;

/// Whether the last failure names `param`, as a reactive check for `class:invalid`.
pub fn blames(
    failure: RwSignal<Option<Failure>>,
    param: &'static str,
) -> impl Fn() -> bool + Copy + Send + Sync + 'static {
    move || failure.with(|f| f.as_ref().and_then(Failure::param).as_deref() == Some(param))
}

/// A labelled text input bound to `value`, marked while `invalid` holds. `on_edit` runs
/// after each keystroke (a form that keys its idempotency on its content renews it there).
#[component]
pub fn TextField<F>(
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    invalid: F,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(optional, default = "text")] kind: &'static str,
    #[prop(optional, into)] on_edit: Option<Callback<()>>,
) -> impl IntoView
where
    F: Fn() -> bool + Copy + Send + Sync + 'static,
{
    view! {
        <label class="field" for=id>
            <span>{label}</span>
            <input id=id name=id type=kind autocomplete="off" inputmode=inputmode
                class:invalid=invalid
                aria-invalid=move || invalid().to_string()
                prop:value=move || value.get()
                on:input=move |ev| {
                    value.set(event_target_value(&ev));
                    if let Some(edited) = on_edit {
                        edited.run(());
                    }
                } />
        </label>
    }
}
