//! Agent capture (issue 9 §5): a request created with `capture: "agent"` is not charged by
//! chatpay. The buyer's card is sealed in the vault like any other (number and expiry, with
//! the name and postal code), its CVC kept only in this object's memory; the requesting
//! agent may reveal it until the seller's window closes, charges it with the seller's own
//! processor and marks the request processed. Processing or the window's end deletes the
//! vault entry and drops the CVC, so the card is held for minutes, never kept.

use super::context::Ledger;
use super::rows::{RequestRow, SellerRow};
use super::settings::{set_setting, setting};
use super::timers::Timer;
use super::transitions::illegal;
use crate::encoding::hex_decode;
use crate::http::{json, Fail};
use crate::ids::{ObjectId, SellerRef};
use crate::permissions::{self, Principal, Role};
use chatpay_core::agent_capture::{AgentCapture, AgentCaptureUpdate, Capture};
use chatpay_core::api::{views, NewPaymentRequest, PayRequest};
use chatpay_core::state::{Event, Status};
use chatpay_core::time::rfc3339;
use chatpay_core::Secret;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use worker::{Response, SqlStorage};

/// The `settings` row that holds the seller's [`AgentCapture`], as JSON.
const SETTING: &str = "agent_capture";

/// The seller's agent-capture setting (off until set).
pub(crate) fn agent_capture(sql: &SqlStorage) -> Result<AgentCapture, Fail> {
    Ok(setting(sql, SETTING)?
        .and_then(|v| serde_json::from_str(&v).ok())
        .unwrap_or_default())
}

/// Applies `PATCH /v1/seller`'s `agent_capture`, already parsed.
pub(crate) fn update_agent_capture(
    sql: &SqlStorage,
    update: &AgentCaptureUpdate,
) -> Result<(), Fail> {
    let next = update.apply(agent_capture(sql)?);
    let text = serde_json::to_string(&next).map_err(|_| Fail::internal("agent_capture"))?;
    set_setting(sql, SETTING, &text)
}

/// What a request keeps of its collected card once the vault entry is gone: enough for the
/// payment's view, never the number.
#[derive(Serialize, Deserialize)]
pub(crate) struct CapturedCard {
    pub(crate) brand: String,
    pub(crate) last4: String,
    pub(crate) exp_month: u32,
    pub(crate) exp_year: u32,
    pub(crate) fingerprint: String,
}

impl CapturedCard {
    pub(crate) fn of(row: &RequestRow) -> Option<CapturedCard> {
        serde_json::from_str(row.captured_card.as_deref()?).ok()
    }

    /// `payment.method` of a request its agent processed.
    pub(crate) fn method(self) -> views::PaymentMethod {
        views::PaymentMethod::Card(views::CardDetails {
            kind: Default::default(),
            brand: self.brand,
            last4: self.last4,
            exp_month: self.exp_month,
            exp_year: self.exp_year,
            fingerprint: self.fingerprint,
            captured_by: Some(Default::default()),
        })
    }
}

/// What a collected card's vault entry seals. Read only to build the reveal.
#[derive(Deserialize)]
struct SealedCard {
    number: String,
    exp_month: u32,
    exp_year: u32,
    name: String,
    postal_code: String,
}

#[derive(Deserialize)]
struct VaultEntry {
    sealed: String,
    key_id: Option<String>,
}

#[derive(Deserialize)]
struct Count {
    n: i64,
}

impl RequestRow {
    pub(crate) fn capture(&self) -> Capture {
        Capture::parse(&self.capture).unwrap_or_default()
    }
}

impl Ledger<'_> {
    /// At creation: an agent-captured request needs the seller's consent and an agent that
    /// holds a live restricted key, since only that key can ever reveal the card.
    pub(crate) fn check_capture(&self, new: &NewPaymentRequest) -> Result<(), Fail> {
        if new.capture != Capture::Agent {
            return Ok(());
        }
        if !agent_capture(&self.sql)?.enabled {
            return Err(Fail::invalid(
                "agent_capture_disabled",
                "This seller has not enabled agent capture: turn on `agent_capture` with PATCH /v1/seller, or leave `capture` out.",
            )
            .param("capture"));
        }
        if new.collect_shipping {
            return Err(Fail::invalid(
                "parameter_invalid",
                "A request captured by its agent does not collect a shipping address yet.",
            )
            .param("collect_shipping"));
        }
        let agent = new.agent_id.clone().unwrap_or_default();
        let keys = self
            .sql
            .exec(
                "SELECT COUNT(*) AS n FROM api_keys WHERE kind = 'restricted' AND agent_id = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)",
                vec![agent.into(), self.clock().into()],
            )?
            .to_array::<Count>()?;
        if keys.first().is_none_or(|c| c.n == 0) {
            return Err(Fail::invalid(
                "parameter_invalid",
                "`agent_id` names no agent holding an unrevoked restricted key, and only such a key can reveal the card.",
            )
            .param("agent_id"));
        }
        Ok(())
    }

    /// The buyer's pay of an agent-captured request: the card is sealed, not charged, and
    /// the request becomes `collected` until the window closes.
    pub(crate) fn collect(
        &self,
        seller: &SellerRow,
        row: &RequestRow,
        pay: &PayRequest,
    ) -> Result<(u16, Value), Fail> {
        let Some(card) = pay.card() else {
            return Err(Fail::invalid(
                "payment_method_unsupported",
                "This request sends the card to the seller: pay by card.",
            )
            .param("method.type"));
        };
        let status = row.status();
        if status.apply(Event::Collect).is_err() {
            return Err(Fail::not_payable(status.public_str()));
        }
        let now = self.clock();
        let window = i64::from(agent_capture(&self.sql)?.window_minutes) * 60;
        let until = now + window;
        let seller_ref = SellerRef::from_id(&seller.id, self.keys)
            .ok_or_else(|| Fail::internal("bad seller id"))?;
        let token = ObjectId::generate("tok_", seller_ref, self.keys).id;
        let fingerprint = self
            .keys
            .fingerprint(&seller.id, card.number.expose_digits());
        let summary = CapturedCard {
            brand: card.number.brand().as_str().to_owned(),
            last4: card.number.last4().to_owned(),
            exp_month: card.expiry.month,
            exp_year: card.expiry.year.max(0) as u32,
            fingerprint: fingerprint.clone(),
        };
        // The move first: a request that moved since it was read leaves nothing behind.
        self.set_status(&row.id, status, Event::Collect)?;
        let plaintext = json!({
            "number": card.number.expose_digits(),
            "exp_month": card.expiry.month,
            "exp_year": card.expiry.year,
            "name": card.name.expose(),
            "postal_code": card.postal_code.expose(),
        });
        self.seal_card(seller, &token, card, &fingerprint, now, &plaintext)?;
        let card_json = serde_json::to_string(&summary).map_err(|_| Fail::internal("card"))?;
        self.sql.exec(
            "UPDATE payment_requests SET capture_token = ?, captured_card = ?, reveal_until = ? WHERE id = ?",
            vec![token.into(), card_json.into(), until.into(), row.id.clone().into()],
        )?;
        // Memory only: gone when the object restarts, and never in a row, a log or a record.
        self.cvcs
            .borrow_mut()
            .insert(row.id.clone(), Secret::new(card.cvc.expose().to_owned()));
        self.add_timer(&row.id, Timer::RevealWindow, until)?;
        self.event(
            &row.id,
            "payment_request.collected",
            "buyer",
            json!({"brand": summary.brand, "last4": summary.last4, "reveal_expires_at": rfc3339(until)}),
            now,
        )?;
        Ok((200, self.public(seller, Some(&row.id))?))
    }

    /// `POST .../reveal`: the collected card, for the requesting agent's key only, inside
    /// the window. Recorded nowhere but as an event without it: the route takes no
    /// Idempotency-Key, and the edge logs no bodies.
    pub(crate) fn reveal(
        &self,
        seller: &SellerRow,
        id: Option<&str>,
        principal: Option<&Principal>,
    ) -> Result<Response, Fail> {
        let row = self.load_request(id)?;
        let agent =
            match principal.map(|p| &p.role) {
                Some(Role::Agent { agent_id, .. }) if row.agent_id.as_deref() == Some(agent_id) => {
                    agent_id.clone()
                }
                _ => return Err(permissions::denied(
                    "Only the restricted key of the agent that requested this card can reveal it.",
                )),
            };
        self.require_agent_capture(&row, "revealed")?;
        let now = self.clock();
        let until = row.reveal_until.unwrap_or(0);
        match row.status() {
            Status::Collected if now < until => {}
            Status::Collected | Status::Expired => {
                return Err(Fail::conflict(
                    "reveal_window_expired",
                    Status::Expired.as_str(),
                    "The window to reveal this card has closed and the card was deleted; ask the buyer to pay a new request.",
                ))
            }
            Status::Paid => {
                return Err(Fail::conflict(
                    "card_already_processed",
                    Status::Paid.as_str(),
                    "This card was marked processed and deleted.",
                ))
            }
            other => {
                return Err(Fail::conflict(
                    "card_not_collected",
                    other.public_str(),
                    format!(
                        "This payment request is {} and holds no card to reveal.",
                        other.public_str()
                    ),
                ))
            }
        }
        let card = self.open_collected(seller, &row)?;
        let summary = CapturedCard::of(&row);
        let cvc = self.cvcs.borrow().get(&row.id).cloned();
        self.event(
            &row.id,
            "payment_request.card_revealed",
            &format!("agent:{agent}"),
            json!({
                "brand": summary.as_ref().map(|c| c.brand.clone()),
                "last4": summary.as_ref().map(|c| c.last4.clone()),
                "cvc_available": cvc.is_some(),
            }),
            now,
        )?;
        let reveal = views::CardReveal {
            object: Default::default(),
            number: Secret::new(card.number),
            exp_month: card.exp_month,
            exp_year: card.exp_year,
            cvc,
            name: Secret::new(card.name),
            postal_code: Secret::new(card.postal_code),
            expires_at: rfc3339(until),
            livemode: seller.livemode != 0,
        };
        // No header to add here: the Worker re-wraps every ledger answer with
        // `Cache-Control: no-store` (`http::text_response`), and the tests hold it to that.
        Ok(json(200, &reveal))
    }

    fn open_collected(&self, seller: &SellerRow, row: &RequestRow) -> Result<SealedCard, Fail> {
        let token = row.capture_token.clone().unwrap_or_default();
        let entry = self
            .sql
            .exec(
                "SELECT sealed, key_id FROM vault WHERE token = ?",
                vec![token.clone().into()],
            )?
            .to_array::<VaultEntry>()?
            .into_iter()
            .next()
            .ok_or_else(|| Fail::internal("a collected card has no vault entry"))?;
        let opened = hex_decode(&entry.sealed)
            .and_then(|sealed| {
                self.keys
                    .open(&seller.id, &token, &sealed, entry.key_id.as_deref())
            })
            .ok_or_else(|| Fail::internal("a collected card does not open"))?;
        serde_json::from_slice(&opened.0)
            .map_err(|_| Fail::internal("a collected card is unreadable"))
    }

    /// `POST .../mark_processed`: the agent charged the card; chatpay forgets it and the
    /// request is paid, at most once.
    pub(crate) fn mark_processed(
        &self,
        seller: &SellerRow,
        id: Option<&str>,
        principal: Option<&Principal>,
        actor: &str,
    ) -> Result<(u16, Value), Fail> {
        let row = self.load_request(id)?;
        if let Some(Role::Agent { agent_id, .. }) = principal.map(|p| &p.role) {
            if row.agent_id.as_deref() != Some(agent_id.as_str()) {
                return Err(permissions::denied(
                    "Only the seller's key or the request's own agent can mark it processed.",
                ));
            }
        }
        self.require_agent_capture(&row, "marked processed")?;
        let status = row.status();
        if status.apply(Event::MarkProcessed).is_err() {
            return Err(illegal(
                &row,
                format!(
                    "This payment request is {} and cannot be marked processed; only a collected one can.",
                    status.public_str()
                ),
            ));
        }
        let now = self.clock();
        self.set_status(&row.id, status, Event::MarkProcessed)?;
        self.forget_card(&row)?;
        let payment_id = self.child_id("pay_", &row.id)?;
        self.sql.exec(
            "UPDATE payment_requests SET payment_id = ?, paid_at = ? WHERE id = ?",
            vec![payment_id.clone().into(), now.into(), row.id.clone().into()],
        )?;
        self.event(
            &row.id,
            "payment_request.paid",
            actor,
            json!({"payment_id": payment_id, "method": "card", "captured_by": "agent"}),
            now,
        )?;
        Ok((200, self.request_json(seller, Some(&row.id), true)?))
    }

    /// The reveal window closed: the card is deleted and the request expires.
    pub(crate) fn end_reveal_window(&self, row: &RequestRow, now: i64) -> Result<(), Fail> {
        if row.status() != Status::Collected {
            return Ok(());
        }
        self.set_status(&row.id, Status::Collected, Event::Expire)?;
        self.forget_card(row)?;
        let mut data = self.via();
        data["reason"] = json!("reveal_window_closed");
        self.event(&row.id, "payment_request.expired", "system", data, now)?;
        Ok(())
    }

    /// Deletes the collected card's vault entry and drops its CVC from memory.
    fn forget_card(&self, row: &RequestRow) -> Result<(), Fail> {
        if let Some(token) = &row.capture_token {
            self.sql.exec(
                "DELETE FROM vault WHERE token = ?",
                vec![token.clone().into()],
            )?;
        }
        self.sql.exec(
            "UPDATE payment_requests SET capture_token = NULL, reveal_until = NULL WHERE id = ?",
            vec![row.id.clone().into()],
        )?;
        self.cvcs.borrow_mut().remove(&row.id);
        Ok(())
    }

    fn require_agent_capture(&self, row: &RequestRow, action: &str) -> Result<(), Fail> {
        if row.capture() == Capture::Agent {
            return Ok(());
        }
        Err(illegal(
            row,
            format!("chatpay's processor charges this request, so its card is never {action}."),
        ))
    }

    /// Refunds, claims and payouts move money through chatpay, which never took this
    /// request's: its agent charged the card elsewhere.
    pub(crate) fn require_chatpay_capture(&self, row: &RequestRow, what: &str) -> Result<(), Fail> {
        if row.capture() != Capture::Agent {
            return Ok(());
        }
        Err(illegal(
            row,
            format!("The agent charged this card outside chatpay, so it takes no {what} through chatpay."),
        ))
    }
}
