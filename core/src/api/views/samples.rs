//! Realistic answers, exactly as the edge writes them today, for the views' tests. Each holds
//! every field its view can carry (optional ones included), so the tests see every key.

use serde_json::{json, Value};

pub fn event() -> Value {
    json!({
        "id": "evt_17", "object": "event", "type": "payment_request.shipped", "actor": "agent:maya",
        "request_id": "pr_c4vvxq3a2bq7wlwbdx3k5fe2ka", "conversation_id": "chat-42", "agent_id": "maya",
        "data": {"carrier": "UPS", "tracking_number": "1Z999AA10123456784", "payout_due_at": "2026-11-30T12:00:00Z"},
        "created_at": "2026-11-25T12:00:00Z",
    })
}

pub fn claim() -> Value {
    json!({
        "id": "clm_ab3q7wlwbdx3k5fe2kac4vvxq3", "object": "claim",
        "request_id": "pr_c4vvxq3a2bq7wlwbdx3k5fe2ka", "reason": "damaged",
        "description": "The handle broke off.", "status": "seller_responded",
        "opened_at": "2026-11-27T09:00:00Z", "response": "Sorry! A new one is on its way.",
        "responded_at": "2026-11-27T10:00:00Z", "resolved_at": null, "outcome": null,
    })
}

/// Paid with a collected address, shipped, partly refunded, a claim answered, the payout
/// held, with its events (as `GET /v1/payment_requests/{id}` answers).
pub fn payment_request() -> Value {
    json!({
        "id": "pr_c4vvxq3a2bq7wlwbdx3k5fe2ka", "object": "payment_request",
        "client_secret": "cs_x2kq7wlwbdx3k5fe2kac4vvxq3", "status": "paid",
        "amount": "24.00", "currency": "USD", "description": "Hand-thrown stoneware mug",
        "seller": {"id": "sel_mfrggzdfmztwq2lk", "display_name": "Clayworks Studio"},
        "conversation_id": "chat-42", "agent_id": "maya",
        "created_at": "2026-11-25T11:00:00Z", "expires_at": "2026-12-02T11:00:00Z",
        "canceled_at": null, "declined_at": null, "livemode": false, "collect_shipping": true,
        "payment": {
            "id": "pay_mfrggzdfmztwq2lka2bq7wlw", "object": "payment", "amount": "24.00", "currency": "USD",
            "method": {"type": "card", "brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2030,
                       "fingerprint": "fp_3k5fe2kac4vvxq3a"},
            "receipt_email": "ada@example.com", "paid_at": "2026-11-25T11:05:00Z",
        },
        "next_action": null,
        "shipping": {"name": "Ada Buyer", "line1": "1 Main St", "line2": null, "city": "Austin",
                     "postal_code": "78701", "state": "TX", "country": "US"},
        "fulfillment_status": "shipped",
        "shipment": {"carrier": "UPS", "tracking_number": "1Z999AA10123456784",
                     "shipped_at": "2026-11-25T12:00:00Z", "delivered_at": null},
        "refund_status": "partial", "amount_refunded": "4.00",
        "refunds": [{"id": "re_q7wlwbdx3k5fe2kac4vvxq3a2b", "object": "refund", "amount": "4.00", "currency": "USD",
                     "reason": "requested_by_customer", "actor": "seller", "status": "succeeded", "created_at": "2026-11-26T08:00:00Z"}],
        "payout": {"status": "held", "due_at": "2026-11-30T12:00:00Z", "paid_out_at": null, "amount": null,
                   "failure_message": null},
        "claim": claim(),
        "card_attempts": {"declined": 1, "cards_declined": 1, "locked": false},
        "capture": "processor", "reveal_expires_at": null,
        "events": [event()], "events_has_more": false,
    })
}

/// Open and unpaid, as a list or an action answers it (no events).
pub fn open_payment_request() -> Value {
    json!({
        "id": "pr_d5wwyr4b3cr8xmxcey4l6gf3lb", "object": "payment_request",
        "client_secret": "cs_y3lr8xmxcey4l6gf3lbd5wwyr4", "status": "requested",
        "amount": "1200", "currency": "JPY", "description": "Gift wrapping",
        "seller": {"id": "sel_mfrggzdfmztwq2lk", "display_name": "Clayworks Studio"},
        "conversation_id": null, "agent_id": null,
        "created_at": "2026-11-25T11:00:00Z", "expires_at": "2026-12-02T11:00:00Z",
        "canceled_at": null, "declined_at": null, "livemode": false, "collect_shipping": false,
        "payment": null, "next_action": null, "shipping": null, "fulfillment_status": "unfulfilled", "shipment": null,
        "refund_status": "none", "amount_refunded": "0", "refunds": [], "payout": null, "claim": null,
        "card_attempts": {"declined": 5, "cards_declined": 2, "locked": true},
        "capture": "agent", "reveal_expires_at": null,
    })
}

pub fn public_payment_request() -> Value {
    json!({
        "id": "pr_c4vvxq3a2bq7wlwbdx3k5fe2ka", "object": "payment_request", "status": "paid",
        "amount": "24.00", "currency": "USD", "description": "Hand-thrown stoneware mug",
        "seller": {"display_name": "Clayworks Studio"}, "created_at": "2026-11-25T11:00:00Z",
        "livemode": false,
        "payment": {"id": "pay_mfrggzdfmztwq2lka2bq7wlw", "method_type": "card", "brand": "visa",
                    "last4": "4242", "paid_at": "2026-11-25T11:05:00Z"},
        "next_action": null,
        "expires_at": "2026-12-02T11:00:00Z", "collect_shipping": true, "fulfillment_status": "delivered",
        "shipment": {"carrier": "UPS", "tracking_number": "1Z999AA10123456784",
                     "shipped_at": "2026-11-25T12:00:00Z", "delivered_at": "2026-11-27T08:00:00Z"},
        "refund_status": "none", "amount_refunded": "0.00",
        "claim": {"id": "clm_ab3q7wlwbdx3k5fe2kac4vvxq3", "reason": "damaged", "status": "open"},
    })
}

pub fn refund() -> Value {
    let mut request = payment_request();
    let object = request.as_object_mut().expect("an object");
    object.remove("events");
    object.remove("events_has_more");
    json!({
        "id": "re_q7wlwbdx3k5fe2kac4vvxq3a2b", "object": "refund", "amount": "4.00", "currency": "USD",
        "reason": "requested_by_customer", "status": "succeeded", "created_at": "2026-11-26T08:00:00Z",
        "payment_request": request,
    })
}

pub fn seller() -> Value {
    json!({
        "id": "sel_mfrggzdfmztwq2lk", "object": "seller", "display_name": "Clayworks Studio",
        "country": "DE", "default_currency": "EUR",
        "allowed_origins": ["https://shop.example", "http://localhost:8787"],
        "created_at": "2026-11-01T09:00:00Z", "livemode": false, "paypal_merchant_id": null,
        "business_type": "company", "merchant_category": "5719",
        "payout_bank_account": {"id": "ba_q7wlwbdx3k5fe2kac4", "object": "bank_account", "type": "iban",
                                "country": "DE", "last4": "3000"},
        "limits": {"EUR": {"max_per_request": "500.00", "max_rolling_168h": null},
                   "USD": {"max_per_request": null, "max_rolling_168h": "2000.00"}},
        "agent_capture": {"enabled": true, "window_minutes": 10},
        "secret_key": "sk_test_mfrggzdfmztwq2lkq7wlwbdx3k5fe2ka",
    })
}

pub fn agent() -> Value {
    json!({"id": "maya", "object": "agent", "name": "Maya", "created_at": "2026-11-02T09:00:00Z",
           "livemode": false})
}

pub fn api_key() -> Value {
    json!({
        "id": "key_q7wlwbdx3k5fe2kac4vvxq3a", "object": "api_key", "kind": "restricted", "agent_id": "maya",
        "scope": "own", "created_at": "2026-11-02T09:05:00Z", "revoked_at": null, "livemode": false,
        "secret_key": "rk_test_mfrggzdfmztwq2lkq7wlwbdx3k5fe2ka",
        "previous_secret_expires_at": "2026-11-03T09:05:00Z",
    })
}

pub fn request_list() -> Value {
    json!({"object": "list", "url": "/v1/payment_requests",
           "data": [payment_request(), open_payment_request()], "has_more": true})
}

pub fn revenue_report() -> Value {
    json!({
        "object": "revenue_report", "from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z",
        "group_by": "agent",
        "rows": [
            {"group": "(none)", "currency": "USD", "gross": "0.00", "refunds": "4.00", "net": "-4.00",
             "count": 0, "average": null},
            {"group": "maya", "currency": "USD", "gross": "120.00", "refunds": "20.00", "net": "100.00",
             "count": 3, "average": "40.00"},
        ],
    })
}

pub fn test_clock() -> Value {
    json!({"object": "test_clock", "now": "2026-11-29T00:00:00Z", "advanced_by": 86400, "timers_run": 2})
}

pub fn conflict() -> Value {
    json!({"error": {"type": "invalid_request_error", "code": "illegal_transition",
                     "message": "A request that is unfulfilled cannot be delivered.", "param": null,
                     "status": "paid"}})
}

pub fn decline() -> Value {
    json!({"error": {"type": "card_error", "code": "card_declined", "message": "Your card was declined.",
                     "param": null, "decline_code": "insufficient_funds"}})
}
