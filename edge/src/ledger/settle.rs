//! A pay's outcome, written down: paid (one payment row, exactly once), pending (held by
//! the processor until its webhook), or declined (an attempt counted, the request payable
//! again). Every method ends here, so refunds, claims and payouts see one kind of payment.

use super::context::Ledger;
use super::fulfillment::UNSHIPPED_CANCEL_AFTER;
use super::orders::OrderRow;
use super::rows::{RequestRow, SellerRow};
use super::timers::Timer;
use crate::connectors::{CollectedAddress, Decline, Payer};
use crate::http::Fail;
use crate::ids::ObjectId;
use chatpay_core::api::PayRequest;
use chatpay_core::fields::Fields;
use chatpay_core::orders::shipping::Shipping;
use chatpay_core::state::{Event, Status};
use serde_json::json;

/// `j•••@example.com`: the first character of the local part, then the domain.
pub(crate) fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}•••@{domain}")
        }
        None => "•••".into(),
    }
}

/// A capture the processor took (or holds), with what the payment row keeps of it.
pub(crate) struct Taken<'a> {
    pub(crate) seller: &'a SellerRow,
    pub(crate) row: &'a RequestRow,
    pub(crate) order: &'a OrderRow,
    pub(crate) capture_ref: &'a str,
    pub(crate) payer: &'a Payer,
    pub(crate) shipping: Option<Shipping>,
    pub(crate) receipt_email: Option<&'a str>,
}

impl Ledger<'_> {
    /// Records the payment once: a second call for the same request finds it paid and
    /// writes nothing.
    pub(crate) fn record_paid(&self, taken: Taken<'_>) -> Result<(), Fail> {
        let (row, order, capture_ref) = (taken.row, taken.order, taken.capture_ref);
        let now = self.clock();
        let current = self.load_request(Some(&row.id))?.status();
        let event = match current {
            Status::Processing => Event::Approve,
            Status::Pending => Event::Settle,
            _ => return Ok(()),
        };
        self.insert_payment(&taken)?;
        let payment_id = self
            .payment_id(&row.id)?
            .ok_or_else(|| Fail::internal("no payment row"))?;
        self.set_status(&row.id, current, event)?;
        self.sql.exec(
            "UPDATE payment_requests SET payment_id = ?, paid_at = ? WHERE id = ?",
            vec![payment_id.clone().into(), now.into(), row.id.clone().into()],
        )?;
        self.order_captured(&order.attempt_id, "captured", capture_ref)?;
        self.add_timer(&row.id, Timer::Unshipped, now + UNSHIPPED_CANCEL_AFTER)?;
        self.attempt(
            &row.id,
            order.token.as_deref().unwrap_or(&order.attempt_id),
            order.fingerprint.as_deref().unwrap_or_default(),
            "approved",
            None,
            now,
        )?;
        self.event(
            &row.id,
            "payment_request.paid",
            "buyer",
            json!({"payment_id": payment_id, "method": order.method}),
            now,
        )?;
        Ok(())
    }

    /// The request's one payment row (`request_id` is unique): written when the money was
    /// taken, held or settled, and never twice.
    fn insert_payment(&self, taken: &Taken<'_>) -> Result<(), Fail> {
        let (row, order) = (taken.row, taken.order);
        let now = self.clock();
        let seller_ref = crate::ids::SellerRef::from_id(&taken.seller.id, self.keys)
            .ok_or_else(|| Fail::internal("bad seller id"))?;
        let payment_id = ObjectId::generate("pay_", seller_ref, self.keys).id;
        let amount = row.amount();
        let token = (order.method == "card")
            .then(|| order.token.clone())
            .flatten();
        let email = taken.payer.email.as_deref().map(mask_email);
        if self.payment_id(&row.id)?.is_none() {
            self.sql.exec(
            "INSERT INTO payments (id, request_id, token, amount_minor, currency, receipt_email, processor_ref, paid_at, shipping, method, order_ref, payer_email_masked, payer_id, wallet) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                payment_id.clone().into(),
                row.id.clone().into(),
                token.into(),
                (amount.minor() as i64).into(),
                amount.currency().code().into(),
                taken.receipt_email.into(),
                taken.capture_ref.into(),
                now.into(),
                taken.shipping.as_ref().map(|s| json!(s).to_string()).into(),
                order.method.clone().into(),
                order.order_ref.clone().into(),
                email.into(),
                taken.payer.payer_id.clone().into(),
                order.wallet.clone().into(),
            ],
        )?;
        }
        Ok(())
    }

    fn payment_id(&self, request_id: &str) -> Result<Option<String>, Fail> {
        #[derive(serde::Deserialize)]
        struct Id {
            id: String,
        }
        Ok(self
            .sql
            .exec(
                "SELECT id FROM payments WHERE request_id = ?",
                vec![request_id.into()],
            )?
            .to_array::<Id>()?
            .into_iter()
            .next()
            .map(|i| i.id))
    }

    /// The processor holds the capture: the request is `pending` until the webhook. The
    /// payment row is written now (the money was taken), `paid` comes with the settlement.
    pub(crate) fn record_pending(
        &self,
        seller: &SellerRow,
        row: &RequestRow,
        order: &OrderRow,
        capture_ref: &str,
        pay: &PayRequest,
    ) -> Result<(), Fail> {
        let now = self.clock();
        if self.load_request(Some(&row.id))?.status() != Status::Processing {
            return Ok(());
        }
        self.insert_payment(&Taken {
            seller,
            row,
            order,
            capture_ref,
            payer: &Payer::default(),
            shipping: pay.shipping.clone(),
            receipt_email: pay.receipt_email.as_deref(),
        })?;
        self.set_status(&row.id, Status::Processing, Event::HoldCapture)?;
        self.order_captured(&order.attempt_id, "pending", capture_ref)?;
        self.event(
            &row.id,
            "payment_request.pending",
            "system",
            json!({"attempt": order.attempt_id}),
            now,
        )?;
        Ok(())
    }

    /// A declined attempt: counted, and the request payable again.
    pub(crate) fn declined(
        &self,
        row: &RequestRow,
        token: &str,
        fingerprint: &str,
        decline: Decline,
    ) -> Result<(), Fail> {
        let now = self.clock();
        let status = self.load_request(Some(&row.id))?.status();
        if status == Status::Processing {
            self.set_status(&row.id, status, Event::CardDeclined)?;
        }
        self.attempt(
            &row.id,
            token,
            fingerprint,
            "declined",
            Some(decline.decline_code()),
            now,
        )?;
        self.event(
            &row.id,
            "payment_request.payment_failed",
            "buyer",
            json!({"decline_code": decline.decline_code()}),
            now,
        )?;
        Ok(())
    }

    /// An address the processor collected, checked as a typed one is.
    pub(crate) fn collected_shipping(&self, a: CollectedAddress) -> Result<Shipping, Fail> {
        let body = json!({"shipping": {
            "name": a.name, "line1": a.line1, "line2": a.line2, "city": a.city,
            "postal_code": a.postal_code, "state": a.state, "country": a.country,
        }});
        let fields = Fields::new(&body, "", &["shipping"])?;
        Ok(Shipping::parse(&fields)?)
    }
}
