//! What callers see: the seller's and the buyer's views of a request, and the seller object.

use super::accounts::Accounts;
use super::agent_capture::CapturedCard;
use super::context::Ledger;
use super::rows::{ClaimRow, RefundRow, RequestRow, SellerRow};
use crate::http::{value, Fail};
use crate::ids::client_secret;
use chatpay_core::api::views;
use chatpay_core::api::Wire;
use chatpay_core::time::rfc3339;
use serde_json::Value;

impl RequestRow {
    fn shipment(&self) -> Option<views::Shipment> {
        self.shipped_at.map(|at| views::Shipment {
            carrier: self.carrier.clone().unwrap_or_default(),
            tracking_number: self.tracking_number.clone().unwrap_or_default(),
            shipped_at: rfc3339(at),
            delivered_at: self.delivered_at.map(rfc3339),
        })
    }

    fn payout_view(&self) -> Option<views::Payout> {
        self.payout().map(|p| views::Payout {
            status: Wire::from(p),
            due_at: self.payout_due_at.map(rfc3339),
            paid_out_at: self.paid_out_at.map(rfc3339),
            amount: self.payout_amount_minor.map(|m| self.money(m)),
            failure_message: self.payout_failure.clone(),
        })
    }
}

/// The payment of a request its agent processed: no `payments` row (chatpay moved no money),
/// so it is built from the request's own record of the card.
fn agent_payment(row: &RequestRow) -> Option<views::Payment> {
    let (id, paid_at) = (row.payment_id.clone()?, row.paid_at?);
    let card = CapturedCard::of(row)?;
    Some(views::Payment {
        id,
        object: Default::default(),
        amount: row.amount().to_decimal_string(),
        currency: row.currency.clone(),
        method: card.method(),
        receipt_email: None,
        paid_at: rfc3339(paid_at),
    })
}

impl ClaimRow {
    pub(crate) fn view(&self) -> views::Claim {
        views::Claim {
            id: self.id.clone(),
            object: Default::default(),
            request_id: self.request_id.clone(),
            reason: self.reason.clone(),
            description: self.description.clone(),
            status: Wire::read(&self.status),
            opened_at: rfc3339(self.opened_at),
            response: self.response.clone(),
            responded_at: self.responded_at.map(rfc3339),
            resolved_at: self.resolved_at.map(rfc3339),
            outcome: self.outcome.clone(),
        }
    }

    /// The JSON of [`ClaimRow::view`].
    pub(crate) fn to_json(&self) -> Value {
        value(&self.view())
    }
}

impl Ledger<'_> {
    /// The seller object with its profile, payout account (last 4 only) and limits.
    pub(crate) fn seller_view(&self, accounts: &Accounts) -> Result<views::Seller, Fail> {
        let seller = self
            .seller()?
            .ok_or_else(|| Fail::internal("seller vanished"))?;
        accounts.seller_view(&seller)
    }

    /// The seller's full view of a request; `with_events` adds its newest events.
    pub(crate) fn request_json(
        &self,
        seller: &SellerRow,
        id: Option<&str>,
        with_events: bool,
    ) -> Result<Value, Fail> {
        let row = self.load_request(id)?;
        Ok(value(&self.request_view(seller, &row, with_events)?))
    }

    /// The seller's full view of a request.
    pub(crate) fn request_view(
        &self,
        seller: &SellerRow,
        row: &RequestRow,
        with_events: bool,
    ) -> Result<views::PaymentRequest, Fail> {
        let payment = self.payment_for(&row.id)?;
        let shipping = payment
            .as_ref()
            .and_then(|p| p.shipping.as_deref())
            .and_then(|s| serde_json::from_str(s).ok());
        let payment = payment
            .map(|p| views::Payment {
                method: p.method(),
                id: p.id,
                object: Default::default(),
                amount: row.money(p.amount_minor),
                currency: p.currency,
                receipt_email: p.receipt_email,
                paid_at: rfc3339(p.paid_at),
            })
            .or_else(|| agent_payment(row));
        let (events, events_has_more) = if with_events {
            let (events, has_more) = self.newest_events(&row.id)?;
            (Some(events), Some(has_more))
        } else {
            (None, None)
        };
        Ok(views::PaymentRequest {
            id: row.id.clone(),
            object: Default::default(),
            client_secret: client_secret(&row.id, self.keys),
            status: Wire::from(row.status()),
            amount: row.amount().to_decimal_string(),
            currency: row.currency.clone(),
            description: row.description.clone(),
            seller: views::SellerSummary {
                id: seller.id.clone(),
                display_name: seller.display_name.clone(),
            },
            conversation_id: row.conversation_id.clone(),
            agent_id: row.agent_id.clone(),
            created_at: rfc3339(row.created_at),
            expires_at: row.expires_at.map(rfc3339),
            canceled_at: row.canceled_at.map(rfc3339),
            declined_at: row.declined_at.map(rfc3339),
            livemode: seller.livemode != 0,
            collect_shipping: row.collect_shipping != 0,
            payment,
            next_action: self.next_action(row)?,
            shipping,
            fulfillment_status: Wire::from(row.fulfillment()),
            shipment: row.shipment(),
            refund_status: Wire::from(row.refund_status()),
            amount_refunded: row.money(row.refunded_minor),
            refunds: self.refunds(row)?,
            payout: row.payout_view(),
            claim: self.claim_for(&row.id)?.map(|c| c.view()),
            card_attempts: self.card_attempts(&row.id)?,
            capture: Wire::from(row.capture()),
            reveal_expires_at: row.reveal_until.map(rfc3339),
            events,
            events_has_more,
        })
    }

    /// `card_attempts`: declines since the last unlock, and whether `pay` refuses more.
    fn card_attempts(&self, request_id: &str) -> Result<views::CardAttempts, Fail> {
        let a = self.attempts(request_id)?;
        Ok(views::CardAttempts {
            declined: a.declines as u32,
            cards_declined: a.cards as u32,
            locked: a.locked(),
        })
    }

    /// The 3-D Secure challenge the buyer has yet to finish, while the request is payable.
    fn next_action(&self, row: &RequestRow) -> Result<Option<views::NextAction>, Fail> {
        if row.status() != chatpay_core::state::Status::Requested {
            return Ok(None);
        }
        Ok(self.waiting_challenge(&row.id)?.map(|o| views::NextAction {
            kind: Default::default(),
            url: o.action_url.unwrap_or_default(),
            attempt: o.attempt_id,
        }))
    }

    /// The buyer's view, as JSON.
    pub(crate) fn public(&self, seller: &SellerRow, id: Option<&str>) -> Result<Value, Fail> {
        Ok(value(&self.public_view(seller, id)?))
    }

    /// The buyer's view: no agent, no conversation, no seller id, no client secret.
    pub(crate) fn public_view(
        &self,
        seller: &SellerRow,
        id: Option<&str>,
    ) -> Result<views::PublicPaymentRequest, Fail> {
        let row = self.load_request(id)?;
        let payment = self
            .payment_for(&row.id)?
            .map(|p| views::PublicPayment {
                id: p.id,
                method_type: p.method,
                brand: p.brand,
                last4: p.last4,
                payer_email_masked: p.payer_email_masked,
                paid_at: rfc3339(p.paid_at),
            })
            .or_else(|| {
                agent_payment(&row).map(|p| {
                    let (brand, last4) = match p.method {
                        views::PaymentMethod::Card(c) => (Some(c.brand), Some(c.last4)),
                        _ => (None, None),
                    };
                    views::PublicPayment {
                        id: p.id,
                        method_type: "card".into(),
                        brand,
                        last4,
                        payer_email_masked: None,
                        paid_at: p.paid_at,
                    }
                })
            });
        Ok(views::PublicPaymentRequest {
            id: row.id.clone(),
            object: Default::default(),
            status: Wire::from(row.status()),
            amount: row.amount().to_decimal_string(),
            currency: row.currency.clone(),
            description: row.description.clone(),
            seller: views::PublicSeller {
                display_name: seller.display_name.clone(),
            },
            created_at: rfc3339(row.created_at),
            livemode: seller.livemode != 0,
            payment,
            next_action: self.next_action(&row)?,
            expires_at: row.expires_at.map(rfc3339),
            collect_shipping: row.collect_shipping != 0,
            fulfillment_status: Wire::from(row.fulfillment()),
            shipment: row.shipment(),
            refund_status: Wire::from(row.refund_status()),
            amount_refunded: row.money(row.refunded_minor),
            claim: self.claim_for(&row.id)?.map(|c| views::PublicClaim {
                id: c.id.clone(),
                reason: c.reason.clone(),
                status: Wire::read(&c.status),
            }),
        })
    }

    fn refunds(&self, row: &RequestRow) -> Result<Vec<views::RefundSummary>, Fail> {
        let refunds: Vec<RefundRow> = self
            .sql
            .exec(
                "SELECT id, amount_minor, reason, actor, status, created_at FROM refunds WHERE request_id = ? ORDER BY created_at, id",
                vec![row.id.clone().into()],
            )?
            .to_array()?;
        Ok(refunds
            .into_iter()
            .map(|r| views::RefundSummary {
                id: r.id,
                object: Default::default(),
                amount: row.money(r.amount_minor),
                currency: row.currency.clone(),
                reason: r.reason,
                actor: r.actor,
                status: r.status,
                created_at: rfc3339(r.created_at),
            })
            .collect())
    }
}
