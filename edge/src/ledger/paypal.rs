//! The PayPal button: `POST .../paypal` opens an order the buyer approves in a popup, and
//! the return page captures it through `pay`'s exactly-once path. Test mode's orders wait
//! on the sandbox's own approval page.

use super::context::{KeyedCall, Ledger};
use super::orders::NewOrder;
use super::rows::{RequestRow, SellerRow};
use crate::command::Command;
use crate::connectors::{Approval, Created, Failure, ReturnUrls, Sandbox, SandboxAction};
use crate::http::{json, Fail};
use crate::ids::{ObjectId, SellerRef};
use chatpay_core::api::views::PayPalOrder;
use chatpay_core::fields::Fields;
use chatpay_core::state::{Event, Status};
use serde_json::{json, Value};
use worker::Response;

/// The buyer's locale, if it is a plausible BCP 47 tag (`de-DE`, `zh-CN`, `es`).
fn locale(body: &Value) -> Result<Option<String>, Fail> {
    let f = Fields::new(body, "", &["locale"])?;
    let Some(text) = f.opt_str("locale")? else {
        return Ok(None);
    };
    let ok = (2..=35).contains(&text.len())
        && text
            .split('-')
            .all(|p| !p.is_empty() && p.len() <= 8 && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if !ok {
        return Err(Fail::invalid(
            "parameter_invalid",
            "`locale` must be a language tag such as \"de-DE\".",
        )
        .param("locale"));
    }
    Ok(Some(text.to_owned()))
}

impl Ledger<'_> {
    /// `POST /v1/payment_requests/{id}/paypal`: a PayPal order for the request, with the
    /// approval page's URL. Creating it moves no money: the request stays `requested`.
    pub(crate) async fn create_paypal_order(
        &self,
        seller: &SellerRow,
        command: &Command,
    ) -> Result<Response, Fail> {
        let row = self.load_request(command.request_id.as_deref())?;
        let body = command.body.clone().unwrap_or_else(|| json!({}));
        self.idempotent_async(command, body, async move |call| {
            self.open_paypal_order(seller, command, row, call).await
        })
        .await
    }

    /// The PayPal order of `create_paypal_order`, under its key's `call`.
    async fn open_paypal_order(
        &self,
        seller: &SellerRow,
        command: &Command,
        row: RequestRow,
        call: &KeyedCall<'_>,
    ) -> Result<(u16, Value), Fail> {
        if row.capture() == chatpay_core::agent_capture::Capture::Agent {
            // The card goes to the seller's agent; PayPal would take the money through chatpay.
            return Err(Fail::invalid(
                "payment_method_unsupported",
                "This request sends the card to the seller: pay by card.",
            ));
        }
        let now = self.clock();
        let locale = locale(call.body())?;
        let origin = command.origin.clone().unwrap_or_default();
        let connector = self.connector(seller, &origin);
        let status = self.recover_abandoned(&row, &connector, now).await?;
        if !status.can(Event::BeginPay) {
            return Err(Fail::not_payable(status.public_str()));
        }
        self.check_attempts(&row)?;
        let seller_ref = SellerRef::from_id(&seller.id, self.keys)
            .ok_or_else(|| Fail::internal("bad seller id"))?;
        let attempt = ObjectId::generate("att_", seller_ref, self.keys).id;
        call.claim(self)?;
        let base = format!("{origin}/v1/return/paypal/{}", row.id);
        let approval = Approval {
            urls: ReturnUrls {
                return_url: base.clone(),
                cancel_url: format!("{base}?canceled=1"),
            },
            locale: locale.as_deref(),
            shipping: row.collect_shipping != 0,
        };
        let new = NewOrder {
            attempt_id: &attempt,
            method: "paypal",
            token: None,
            fingerprint: None,
            wallet: None,
        };
        let created = self
            .open_processor_order(&row, &connector, new, Some(approval), now)
            .await?;
        Ok(match created {
            Created::Order {
                order_ref,
                approve_url: Some(approve_url),
            } => {
                self.order_created(&attempt, &order_ref)?;
                self.order_stage(&attempt, "action")?;
                let order = PayPalOrder {
                    object: Default::default(),
                    order_id: order_ref,
                    approve_url,
                };
                (200, crate::http::value(&order))
            }
            Created::Order { .. } | Created::Failed(Failure::Rejected { .. }) => {
                self.order_stage(&attempt, "abandoned")?;
                Fail::new(
                    402,
                    "card_error",
                    "processing_error",
                    "PayPal could not start this payment. Try again or pay by card.",
                )
                .into_answer()
            }
            // Not recorded (a 502 never is): a same-key retry runs again.
            Created::Failed(Failure::Unavailable) => {
                self.order_stage(&attempt, "abandoned")?;
                super::reconcile::processor_unavailable().into_answer()
            }
        })
    }

    /// PayPal sent the buyer back: capture the order (the same path as `pay` with
    /// `{type: "paypal", order_id}`), or, on a cancel, leave the request as it was. Answers
    /// `{outcome: "paid" | "pending" | "canceled" | "failed", code?}` for the page to tell
    /// the card.
    pub(crate) async fn paypal_return(
        &self,
        seller: &SellerRow,
        command: &Command,
    ) -> Result<Response, Fail> {
        let row = self.load_request(command.request_id.as_deref())?;
        let body = command.body.clone().unwrap_or(Value::Null);
        let order_id = body["order_id"].as_str().unwrap_or_default().to_owned();
        let order = self
            .order_by_ref(&order_id)?
            .filter(|o| o.request_id == row.id && o.method == "paypal")
            .ok_or_else(|| Fail::missing("PayPal order"))?;
        if body["canceled"] == true {
            if order.stage == "action" {
                self.order_stage(&order.attempt_id, "abandoned")?;
            }
            return Ok(json(200, &json!({"outcome": "canceled"})));
        }
        if row.status() == Status::Paid && order.stage == "captured" {
            return Ok(json(200, &json!({"outcome": "paid"})));
        }
        let pay = Command {
            body: Some(json!({"method": {"type": "paypal", "order_id": order_id}})),
            idempotency: None,
            ..command.clone()
        };
        let mut response = self.pay(seller, &pay).await?;
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        let outcome = match (response.status_code(), answer["status"].as_str()) {
            (200, Some("paid")) => json!({"outcome": "paid"}),
            (200, Some("pending")) => json!({"outcome": "pending"}),
            (_, _) => json!({
                "outcome": "failed",
                "code": answer["error"]["code"].as_str().unwrap_or("payment_failed"),
            }),
        };
        Ok(json(200, &outcome))
    }
}

impl Ledger<'_> {
    /// What a sandbox page shows (test mode only): the order's kind, request and amount.
    pub(crate) fn sandbox_page(
        &self,
        seller: &SellerRow,
        command: &Command,
    ) -> Result<Response, Fail> {
        let (kind, request_id, waiting) = self.sandbox_order(seller, command)?;
        let row = self.load_request(Some(&request_id))?;
        Ok(json(
            200,
            &json!({
                "kind": kind, "request_id": request_id, "waiting": waiting,
                "amount": row.amount().to_decimal_string(), "currency": row.currency,
                "description": row.description, "seller": seller.display_name,
            }),
        ))
    }

    /// The buyer's click on a sandbox page: approve or cancel PayPal, pass or fail 3-D Secure.
    pub(crate) fn sandbox_act(
        &self,
        seller: &SellerRow,
        command: &Command,
    ) -> Result<Response, Fail> {
        let (kind, request_id, _) = self.sandbox_order(seller, command)?;
        let action = match (
            kind.as_str(),
            command.body.as_ref().and_then(|b| b["action"].as_str()),
        ) {
            ("paypal", Some("approve")) => SandboxAction::Approve,
            ("paypal", Some("cancel")) => SandboxAction::Cancel,
            ("card", Some("complete")) => SandboxAction::Authenticate(true),
            ("card", Some("fail")) => SandboxAction::Authenticate(false),
            _ => {
                return Err(
                    Fail::invalid("parameter_invalid", "Unknown sandbox action.").param("action"),
                )
            }
        };
        let target = command.target.as_deref().unwrap_or_default();
        let applied = Sandbox::act(&self.sql, target, action)?;
        Ok(json(
            200,
            &json!({"kind": kind, "request_id": request_id, "applied": applied}),
        ))
    }

    fn sandbox_order(
        &self,
        seller: &SellerRow,
        command: &Command,
    ) -> Result<(String, String, bool), Fail> {
        let target = command.target.as_deref().unwrap_or_default();
        if seller.livemode != 0 {
            return Err(Fail::missing("sandbox order"));
        }
        Sandbox::order_info(&self.sql, target).ok_or_else(|| Fail::missing("sandbox order"))
    }
}
