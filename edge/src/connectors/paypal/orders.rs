//! Orders v2 calls: create (for a card or the PayPal button), confirm with a card, capture
//! and read back. The request types are here; the answer's types and their mapping are in
//! [`super::order_status`].

use super::super::connector::{
    Approval, CaptureCall, Captured, CardConfirm, Confirmed, Created, Failure, OrderCall,
    OrderState, ReturnUrls,
};
use super::amount::{money, Money};
use super::client::{path_id, request_id, to_json, Call, Client, Method};
use super::order_status::{decline_for_issue, Order};
use chatpay_core::card::Expiry;
use serde::Serialize;

/// PayPal's `purchase_units[].description` limit.
const MAX_DESCRIPTION: usize = 127;
/// PayPal's `payment_source.card.name` limit.
const MAX_CARD_NAME: usize = 300;

#[derive(Serialize)]
pub struct OrderRequest<'a> {
    intent: &'static str,
    purchase_units: [PurchaseUnitRequest<'a>; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    payment_source: Option<WalletSource<'a>>,
}

#[derive(Serialize)]
struct PurchaseUnitRequest<'a> {
    reference_id: &'a str,
    custom_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    amount: Money,
    #[serde(skip_serializing_if = "Option::is_none")]
    payee: Option<Payee<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payment_instruction: Option<PaymentInstruction>,
}

#[derive(Serialize)]
struct Payee<'a> {
    merchant_id: &'a str,
}

/// `DELAYED`: the seller's money waits for our referenced payout.
#[derive(Serialize)]
struct PaymentInstruction {
    disbursement_mode: &'static str,
}

#[derive(Serialize)]
struct WalletSource<'a> {
    paypal: PayPalWallet<'a>,
}

#[derive(Serialize)]
struct PayPalWallet<'a> {
    experience_context: WalletExperience<'a>,
}

#[derive(Serialize)]
struct WalletExperience<'a> {
    return_url: &'a str,
    cancel_url: &'a str,
    user_action: &'static str,
    shipping_preference: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    locale: Option<String>,
}

/// `confirm-payment-source` with a card. No `Debug`: it holds the card in the clear, and
/// exists only to be serialized into the one outgoing body.
#[derive(Serialize)]
pub struct ConfirmRequest<'a> {
    payment_source: CardSource<'a>,
}

#[derive(Serialize)]
struct CardSource<'a> {
    card: CardRequest<'a>,
}

#[derive(Serialize)]
struct CardRequest<'a> {
    number: &'a str,
    /// `YYYY-MM`.
    expiry: String,
    security_code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    billing_address: BillingAddress<'a>,
    experience_context: CardExperience<'a>,
}

#[derive(Serialize)]
struct BillingAddress<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    postal_code: Option<&'a str>,
    country_code: &'a str,
}

/// Where a 3-D Secure challenge returns. The 2.13 document has no
/// `attributes.verification.method` (`SCA_WHEN_REQUIRED`), so PayPal decides when to ask.
#[derive(Serialize)]
struct CardExperience<'a> {
    return_url: &'a str,
    cancel_url: &'a str,
}

/// The longest prefix of `text` (trimmed) that fits `max` UTF-16 units, cut on a char
/// boundary; `None` when nothing is left. UTF-16 units are never fewer than chars, so the
/// cut holds whichever of the two PayPal counts.
pub fn truncate(text: &str, max: usize) -> Option<&str> {
    let text = text.trim();
    let mut units = 0;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        units += c.len_utf16();
        if units > max {
            break;
        }
        end = i + c.len_utf8();
    }
    Some(text[..end].trim_end()).filter(|t| !t.is_empty())
}

/// A BCP 47 tag in the form PayPal's `locale` pattern takes
/// (`^[a-z]{2}(?:-[A-Z][a-z]{3})?(?:-(?:[A-Z]{2}|[0-9]{3}))?$`), with its case normalized:
/// `en-us` is `en-US`, `zh-hant-tw` is `zh-Hant-TW`. Anything else (`fil`, `en-US-u-ca`)
/// is left out, and PayPal picks the language.
pub fn paypal_locale(tag: &str) -> Option<String> {
    let mut parts = tag.trim().split(['-', '_']);
    let language = parts.next().filter(|l| is_alpha(l, 2))?;
    let mut out = language.to_ascii_lowercase();
    let mut next = parts.next();
    if let Some(script) = next.filter(|s| is_alpha(s, 4)) {
        out.push('-');
        out.push_str(&script[..1].to_ascii_uppercase());
        out.push_str(&script[1..].to_ascii_lowercase());
        next = parts.next();
    }
    if let Some(region) = next {
        if is_alpha(region, 2) {
            out.push('-');
            out.push_str(&region.to_ascii_uppercase());
        } else if region.len() == 3 && region.bytes().all(|b| b.is_ascii_digit()) {
            out.push('-');
            out.push_str(region);
        } else {
            return None;
        }
    }
    parts.next().is_none().then_some(out)
}

fn is_alpha(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| b.is_ascii_alphabetic())
}

pub fn order_request<'a>(order: &'a OrderCall<'a>) -> Result<OrderRequest<'a>, Failure> {
    let amount = money(order.amount).map_err(|message| Failure::Rejected { message })?;
    Ok(OrderRequest {
        intent: "CAPTURE",
        purchase_units: [PurchaseUnitRequest {
            reference_id: order.request_id,
            custom_id: order.request_id,
            description: truncate(order.description, MAX_DESCRIPTION),
            amount,
            payee: order.payee.map(|merchant_id| Payee { merchant_id }),
            payment_instruction: order.payee.map(|_| PaymentInstruction {
                disbursement_mode: "DELAYED",
            }),
        }],
        payment_source: order.approval.as_ref().map(wallet_source),
    })
}

fn wallet_source<'a>(approval: &'a Approval<'a>) -> WalletSource<'a> {
    WalletSource {
        paypal: PayPalWallet {
            experience_context: WalletExperience {
                return_url: &approval.urls.return_url,
                cancel_url: &approval.urls.cancel_url,
                user_action: "PAY_NOW",
                shipping_preference: if approval.shipping {
                    "GET_FROM_FILE"
                } else {
                    "NO_SHIPPING"
                },
                locale: approval.locale.and_then(paypal_locale),
            },
        },
    }
}

pub fn confirm_request<'a>(confirm: &'a CardConfirm<'a>) -> ConfirmRequest<'a> {
    let card = confirm.card;
    ConfirmRequest {
        payment_source: CardSource {
            card: card_request(
                Card {
                    number: card.number.expose_digits(),
                    expiry: card.expiry,
                    security_code: card.cvc.expose(),
                    name: card.name.expose(),
                    postal_code: card.postal_code.expose(),
                },
                confirm.country,
                &confirm.urls,
            ),
        },
    }
}

/// A card's clear fields, borrowed for the one body they go into. No `Debug`.
pub struct Card<'a> {
    pub number: &'a str,
    pub expiry: Expiry,
    pub security_code: &'a str,
    pub name: &'a str,
    pub postal_code: &'a str,
}

fn card_request<'a>(card: Card<'a>, country: &'a str, urls: &'a ReturnUrls) -> CardRequest<'a> {
    CardRequest {
        number: card.number,
        expiry: format!("{:04}-{:02}", card.expiry.year, card.expiry.month),
        security_code: card.security_code,
        name: truncate(card.name, MAX_CARD_NAME),
        billing_address: BillingAddress {
            postal_code: Some(card.postal_code.trim()).filter(|p| !p.is_empty()),
            country_code: country,
        },
        experience_context: CardExperience {
            return_url: &urls.return_url,
            cancel_url: &urls.cancel_url,
        },
    }
}

/// An order's own id, as PayPal answered it.
fn order_ref(order: &Order) -> Result<String, Failure> {
    let id = order.id.as_deref().unwrap_or_default();
    path_id(id)
        .map(str::to_owned)
        .map_err(|_| Failure::Unavailable)
}

pub async fn create(client: &Client<'_>, order: OrderCall<'_>) -> Created {
    try_create(client, &order)
        .await
        .unwrap_or_else(Created::Failed)
}

async fn try_create(client: &Client<'_>, order: &OrderCall<'_>) -> Result<Created, Failure> {
    let key = request_id(order.key, "create")?;
    let call = Call {
        operation: "create_order",
        method: Method::Post,
        path: "/v2/checkout/orders".into(),
        body: Some(to_json(&order_request(order)?)?),
        request_id: Some(&key),
        representation: true,
    };
    let answer = client.send(&call).await?.accepted()?;
    let created: Order = answer.parse().ok_or(Failure::Unavailable)?;
    let order_ref = order_ref(&created)?;
    let approve_url = match order.approval {
        None => None,
        Some(_) => Some(created.payer_action_url().ok_or(Failure::Rejected {
            message: "PayPal created the order without an approval link.".into(),
        })?),
    };
    Ok(Created::Order {
        order_ref,
        approve_url,
    })
}

pub async fn confirm_card(client: &Client<'_>, confirm: CardConfirm<'_>) -> Confirmed {
    try_confirm(client, &confirm)
        .await
        .unwrap_or_else(Confirmed::Failed)
}

async fn try_confirm(client: &Client<'_>, confirm: &CardConfirm<'_>) -> Result<Confirmed, Failure> {
    let id = path_id(confirm.order_ref)?;
    let key = request_id(confirm.key, "confirm")?;
    let call = Call {
        operation: "confirm_card",
        method: Method::Post,
        path: format!("/v2/checkout/orders/{id}/confirm-payment-source"),
        body: Some(to_json(&confirm_request(confirm))?),
        request_id: Some(&key),
        representation: true,
    };
    let answer = client.send(&call).await?;
    drop(call); // the body held the card
    if answer.is_success() {
        let order: Order = answer.parse().ok_or(Failure::Unavailable)?;
        return Ok(order.confirmed());
    }
    if answer.status == 422 {
        if let Some(decline) = answer.error().issues().find_map(|i| decline_for_issue(&i)) {
            return Ok(Confirmed::Declined(decline));
        }
    }
    Err(answer.failure())
}

pub async fn capture(client: &Client<'_>, capture: CaptureCall<'_>) -> Captured {
    try_capture(client, &capture)
        .await
        .unwrap_or_else(Captured::Failed)
}

async fn try_capture(client: &Client<'_>, capture: &CaptureCall<'_>) -> Result<Captured, Failure> {
    let id = path_id(capture.order_ref)?;
    let key = request_id(capture.key, "capture")?;
    let call = Call {
        operation: "capture",
        method: Method::Post,
        path: format!("/v2/checkout/orders/{id}/capture"),
        body: Some("{}".into()),
        request_id: Some(&key),
        representation: true,
    };
    let answer = client.send(&call).await?;
    if answer.is_success() {
        let order: Order = answer.parse().ok_or(Failure::Unavailable)?;
        return Ok(order.captured());
    }
    if answer.status == 422 {
        let error = answer.error();
        if error.has_issue("ORDER_ALREADY_CAPTURED") {
            // Captured under another key (or after PayPal forgot ours): read the capture.
            let order = fetch(client, id).await?.ok_or(Failure::Unavailable)?;
            return Ok(order.captured());
        }
        if error.has_issue("ORDER_COMPLETION_IN_PROGRESS") {
            return Err(Failure::Unavailable);
        }
        let decline = error.issues().find_map(|i| decline_for_issue(&i));
        if let Some(decline) = decline {
            return Ok(Captured::Declined(decline));
        }
    }
    Err(answer.failure())
}

pub async fn get(client: &Client<'_>, order_ref: &str) -> OrderState {
    let Ok(id) = path_id(order_ref) else {
        return OrderState::NotFound;
    };
    match fetch(client, id).await {
        Ok(Some(order)) => order.state(),
        Ok(None) => OrderState::NotFound,
        Err(_) => OrderState::Unavailable,
    }
}

/// `GET /v2/checkout/orders/{id}`: the order, or `None` for a 404.
async fn fetch(client: &Client<'_>, id: &str) -> Result<Option<Order>, Failure> {
    let call = Call {
        operation: "get_order",
        method: Method::Get,
        path: format!("/v2/checkout/orders/{id}"),
        body: None,
        request_id: None,
        representation: false,
    };
    let answer = client.send(&call).await?;
    match answer.status {
        200..=299 => answer.parse().map(Some).ok_or(Failure::Unavailable),
        404 => Ok(None),
        _ => Err(Failure::Unavailable),
    }
}

#[cfg(test)]
mod tests;
