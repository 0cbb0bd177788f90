//! The edge's answers, read field by field through the browser's `JSON.parse` into core's
//! views rather than with serde_json: the same types come out, and the card downloads
//! ~60 KB less wasm. Unknown fields are ignored, as the API asks of clients; a field an
//! older edge leaves out reads as the state before it.

use chatpay_core::api::views::{NextAction, PublicClaim, PublicPayment, PublicPaymentRequest};
use chatpay_core::api::views::{PublicSeller, Shipment};
use chatpay_core::api::wire::{Wire, WireName};
use chatpay_core::api::ApiError;
use js_sys::Reflect;
use wasm_bindgen::JsValue;

pub fn at(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

pub fn text_at(object: &JsValue, key: &str) -> Option<String> {
    at(object, key).as_string()
}

/// A status-like field; absent, it is the state a request starts in.
fn wire_at<T: WireName + Default>(object: &JsValue, key: &str) -> Wire<T> {
    text_at(object, key).map_or_else(Wire::default, |text| Wire::read(&text))
}

/// An object field, or `None` when it is null or missing.
pub fn object_at(object: &JsValue, key: &str) -> Option<JsValue> {
    Some(at(object, key)).filter(JsValue::is_object)
}

/// The buyer's view of a request; `None` when a field it cannot do without is missing.
pub fn public_request(v: &JsValue) -> Option<PublicPaymentRequest> {
    let seller = at(v, "seller");
    let payment = match object_at(v, "payment") {
        Some(p) => Some(PublicPayment {
            id: text_at(&p, "id")?,
            method_type: text_at(&p, "method_type").unwrap_or_else(|| "card".into()),
            brand: text_at(&p, "brand"),
            last4: text_at(&p, "last4"),
            payer_email_masked: text_at(&p, "payer_email_masked"),
            paid_at: text_at(&p, "paid_at")?,
        }),
        None => None,
    };
    Some(PublicPaymentRequest {
        id: text_at(v, "id")?,
        object: Default::default(),
        status: Wire::read(&text_at(v, "status")?),
        amount: text_at(v, "amount")?,
        currency: text_at(v, "currency")?,
        description: text_at(v, "description").unwrap_or_default(),
        seller: PublicSeller {
            display_name: text_at(&seller, "display_name")?,
        },
        created_at: text_at(v, "created_at").unwrap_or_default(),
        livemode: at(v, "livemode").as_bool() == Some(true),
        payment,
        next_action: object_at(v, "next_action").and_then(|a| {
            Some(NextAction {
                kind: Default::default(),
                url: text_at(&a, "url")?,
                attempt: text_at(&a, "attempt")?,
            })
        }),
        expires_at: text_at(v, "expires_at"),
        collect_shipping: at(v, "collect_shipping").as_bool() == Some(true),
        fulfillment_status: wire_at(v, "fulfillment_status"),
        shipment: object_at(v, "shipment").map(|s| Shipment {
            carrier: text_at(&s, "carrier").unwrap_or_default(),
            tracking_number: text_at(&s, "tracking_number").unwrap_or_default(),
            shipped_at: text_at(&s, "shipped_at").unwrap_or_default(),
            delivered_at: text_at(&s, "delivered_at"),
        }),
        refund_status: wire_at(v, "refund_status"),
        amount_refunded: text_at(v, "amount_refunded").unwrap_or_default(),
        claim: object_at(v, "claim").map(|c| PublicClaim {
            id: text_at(&c, "id").unwrap_or_default(),
            reason: text_at(&c, "reason").unwrap_or_default(),
            status: Wire::read(&text_at(&c, "status").unwrap_or_default()),
        }),
    })
}

/// `{"error": {...}}`'s inside; `None` when it is not the API's error shape.
pub fn api_error(e: &JsValue) -> Option<ApiError> {
    Some(ApiError {
        kind: text_at(e, "type")?,
        code: text_at(e, "code")?,
        message: text_at(e, "message")?,
        param: text_at(e, "param"),
        decline_code: text_at(e, "decline_code"),
        status: text_at(e, "status"),
    })
}
