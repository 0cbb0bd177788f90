//! The iframe page that hosts the payment card. It is served from the edge's own origin so
//! the host page's scripts and styles never touch card data, and its CSP lets only the
//! seller's allowed origins frame it.

use crate::command::{send, Command, ORIGINS_HEADER};
use crate::crypto::Keys;
use crate::http::Fail;
use crate::http::{html_page, Outcome};
use crate::ids::ObjectId;
use chatpay_core::routes::Operation as Op;
use worker::Env;

const ORIGINS_META: &str = r#"<meta name="chatpay-allowed-origins" content="">"#;

fn html_attr_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `GET /v1/frame/{id}`: the card, framable only by the seller's allowed origins.
pub async fn page(id: &str, env: &Env, keys: &Keys) -> Outcome {
    card_page(id, env, keys, false).await
}

/// `GET /v1/pay/{id}#client_secret=...`: the same card as a page of its own, for chats that
/// cannot run scripts. Nobody may frame it, and it names no parent to talk to.
pub async fn hosted(id: &str, env: &Env, keys: &Keys) -> Outcome {
    card_page(id, env, keys, true).await
}

async fn card_page(id: &str, env: &Env, keys: &Keys, hosted: bool) -> Outcome {
    let request =
        ObjectId::parse("pr_", id, keys).ok_or_else(|| Fail::missing("payment request"))?;
    let info = send(
        env,
        request.seller,
        Command::new(Op::Frame, request.seller, keys).request(request.id.clone()),
    )
    .await?;
    if info.status_code() != 200 {
        return Ok(info);
    }
    let origins = info
        .headers()
        .get(ORIGINS_HEADER)
        .ok()
        .flatten()
        .unwrap_or_default();
    let mut template = env
        .assets("ASSETS")?
        .fetch("https://assets.local/v1/frame.html", None)
        .await?;
    if template.status_code() != 200 {
        return Err(Fail::internal(
            "The widget is not built: dist/public/v1/frame.html is missing.",
        ));
    }
    let template = template.text().await?;
    if hosted {
        let html = template.replacen(
            r#"<html lang="en">"#,
            r#"<html lang="en" class="cp-hosted">"#,
            1,
        );
        return app_page(html, "'none'");
    }
    let html = template.replacen(
        ORIGINS_META,
        &format!(
            r#"<meta name="chatpay-allowed-origins" content="{}">"#,
            html_attr_escape(&origins)
        ),
        1,
    );
    let ancestors = if origins.trim().is_empty() {
        "'none'".to_string()
    } else {
        origins
    };
    app_page(html, &ancestors)
}

/// `GET /dashboard`: the seller dashboard's page (built into `dist/public/dashboard/`). It is
/// same-origin with the API and may not be framed by anyone.
pub async fn dashboard(env: &Env) -> Outcome {
    let mut page = env
        .assets("ASSETS")?
        .fetch("https://assets.local/dashboard/index.html", None)
        .await?;
    if page.status_code() != 200 {
        return Err(Fail::new(
            404,
            "invalid_request_error",
            "resource_missing",
            "The dashboard is not built.",
        ));
    }
    app_page(page.text().await?, "'none'")
}

/// A page of one of our wasm apps (card, dashboard): only its own scripts, styles and API,
/// never cached, framed only by `frame_ancestors`.
fn app_page(html: String, frame_ancestors: &str) -> Outcome {
    html_page(
        html,
        &format!(
            "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; connect-src 'self'; \
             img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors {frame_ancestors}"
        ),
    )
}
