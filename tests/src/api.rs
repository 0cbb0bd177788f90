//! The API v1 as a seller's server and a buyer's frame call it: create a seller, create a
//! request, pay, read, cancel. Creation helpers insist on success (and print the body when
//! it is missing); the rest hand back the raw `Reply`.

use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{json, Value};

use crate::cards::pay_body;
use crate::edge::{random_hex, Edge};
use crate::http::Reply;

#[derive(Clone, Debug)]
pub struct Seller {
    pub id: String,
    pub secret_key: String,
    pub display_name: String,
    pub allowed_origins: Vec<String>,
    pub json: Value,
}

#[derive(Clone, Debug)]
pub struct PaymentRequest {
    pub id: String,
    pub client_secret: String,
    pub json: Value,
}

/// A short unique tag for names, origins and idempotency keys.
pub fn unique(prefix: &str) -> String {
    static SEQ: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{prefix}{}{}",
        SEQ.fetch_add(1, Ordering::SeqCst),
        random_hex(4)
    )
}

impl Edge {
    /// A seller allowing one origin of its own, `https://shop-<tag>.example`.
    pub fn create_seller(&self) -> Seller {
        let tag = unique("");
        self.create_seller_with(json!({
            "display_name": format!("Shop {tag}"),
            "country": "US",
            "default_currency": "USD",
            "allowed_origins": [format!("https://shop-{tag}.example")],
        }))
    }

    pub fn create_seller_with(&self, body: Value) -> Seller {
        let reply = self
            .call("POST", "/v1/sellers")
            .bearer(self.admin_key())
            .json(&body)
            .send();
        let json = reply.expect(201).clone();
        let text = |k: &str| {
            json[k]
                .as_str()
                .unwrap_or_else(|| panic!("seller lacks `{k}`\n{reply}"))
                .to_owned()
        };
        Seller {
            id: text("id"),
            secret_key: text("secret_key"),
            display_name: text("display_name"),
            allowed_origins: json["allowed_origins"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|o| o.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
            json: json.clone(),
        }
    }

    pub fn create_request(&self, seller_key: &str, amount: &str, currency: &str) -> PaymentRequest {
        self.create_request_with(
            seller_key,
            json!({"amount": amount, "currency": currency, "description": "Stoneware mug"}),
        )
    }

    pub fn create_request_with(&self, seller_key: &str, body: Value) -> PaymentRequest {
        let reply = self
            .call("POST", "/v1/payment_requests")
            .bearer(seller_key)
            .json(&body)
            .send();
        let json = reply.expect(201).clone();
        let text = |k: &str| {
            json[k]
                .as_str()
                .unwrap_or_else(|| panic!("payment request lacks `{k}`\n{reply}"))
                .to_owned()
        };
        PaymentRequest {
            id: text("id"),
            client_secret: text("client_secret"),
            json: json.clone(),
        }
    }

    /// `POST /v1/payment_requests/{id}/pay` with the request's client secret.
    pub fn pay(
        &self,
        request: &PaymentRequest,
        body: &Value,
        idempotency_key: Option<&str>,
    ) -> Reply {
        let mut call = self
            .call("POST", &format!("/v1/payment_requests/{}/pay", request.id))
            .bearer(&request.client_secret)
            .json(body);
        if let Some(key) = idempotency_key {
            call = call.idempotency_key(key);
        }
        call.send()
    }

    /// Pays with `number` and a valid rest of the card, no idempotency key.
    pub fn pay_with(&self, request: &PaymentRequest, number: &str) -> Reply {
        self.pay(request, &pay_body(number), None)
    }

    /// `GET /v1/payment_requests/{id}/public` with the client secret.
    pub fn get_public(&self, request: &PaymentRequest) -> Reply {
        self.call(
            "GET",
            &format!("/v1/payment_requests/{}/public", request.id),
        )
        .bearer(&request.client_secret)
        .send()
    }

    /// `GET /v1/payment_requests/{id}` with a seller key.
    pub fn get_request(&self, seller_key: &str, id: &str) -> Reply {
        self.call("GET", &format!("/v1/payment_requests/{id}"))
            .bearer(seller_key)
            .send()
    }

    /// `POST /v1/payment_requests/{id}/cancel` with a seller key and no body.
    pub fn cancel(&self, seller_key: &str, id: &str) -> Reply {
        self.call("POST", &format!("/v1/payment_requests/{id}/cancel"))
            .bearer(seller_key)
            .send()
    }
}
