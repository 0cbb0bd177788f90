//! What an agent pastes into the chat for one request: the `<chat-pay>` element for chat
//! pages that run the loader, and the hosted page's link for chats that cannot run scripts.

use crate::api;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The element a chat page renders (the loader's `<script>` tag is on the page already).
pub fn snippet(request_id: &str, client_secret: &str) -> String {
    format!(
        "<chat-pay request=\"{}\" client-secret=\"{}\"></chat-pay>",
        attribute(request_id),
        attribute(client_secret)
    )
}

/// The hosted page: the secret rides in the fragment, which no server ever receives.
pub fn hosted_link(origin: &str, request_id: &str, client_secret: &str) -> String {
    format!(
        "{}/v1/pay/{}#client_secret={}",
        origin.trim_end_matches('/'),
        api::segment(request_id),
        api::segment(client_secret)
    )
}

/// Ids and secrets are plain ASCII; this keeps a snippet well formed whatever they hold.
fn attribute(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

fn origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// The two things to paste, each with a copy button, and the warning that goes with the link.
#[component]
pub fn PasteBox(request_id: String, client_secret: String) -> impl IntoView {
    let element = snippet(&request_id, &client_secret);
    let link = hosted_link(&origin(), &request_id, &client_secret);
    view! {
        <div class="paste" data-id=request_id>
            <h4>"Paste into the chat"</h4>
            <CopyField id="paste-snippet" label="Card, for chats that run the chatpay script" text=element />
            <CopyField id="paste-link" label="Link, for chats that cannot run scripts" text=link />
            <p class="hint warn" role="note">
                "Whoever holds the link can pay, decline or open a claim as the buyer. Send it only in \
                 this buyer's own conversation, never in a group or public channel, and cancel the \
                 request if it went anywhere else."
            </p>
        </div>
    }
}

#[component]
fn CopyField(id: &'static str, label: &'static str, text: String) -> impl IntoView {
    let copied = RwSignal::new(None::<bool>);
    let value = text.clone();
    let copy = move |_| {
        let value = value.clone();
        spawn_local(async move {
            copied.set(Some(write_clipboard(&value).await));
        });
    };
    view! {
        <div class="copy-field">
            <label class="field" for=id>
                <span>{label}</span>
                <input id=id type="text" readonly class="mono" prop:value=text
                    on:focus=move |ev| select_all(&ev) />
            </label>
            <button type="button" class="secondary" on:click=copy aria-describedby=format!("{id}-copied")>"Copy"</button>
            <span id=format!("{id}-copied") class="hint" role="status">
                {move || match copied.get() {
                    Some(true) => "Copied.",
                    Some(false) => "Copying was refused: select the text and copy it.",
                    None => "",
                }}
            </span>
        </div>
    }
}

fn select_all(ev: &leptos::ev::FocusEvent) {
    use wasm_bindgen::JsCast;
    if let Some(input) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    {
        input.select();
    }
}

async fn write_clipboard(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let promise = window.navigator().clipboard().write_text(text);
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_snippet_is_the_element_the_readme_documents() {
        assert_eq!(
            snippet("pr_abc", "cs_def"),
            r#"<chat-pay request="pr_abc" client-secret="cs_def"></chat-pay>"#
        );
        assert_eq!(
            snippet("pr_\"x", "cs_<&"),
            r#"<chat-pay request="pr_&quot;x" client-secret="cs_&lt;&amp;"></chat-pay>"#
        );
    }
}
