//! The processor's steps of one pay, each written down before and after its call: a card's
//! order is created, confirmed and captured; a 3-D Secure challenge resumes its order; a
//! PayPal order is captured. Whatever the answer, the outcome goes to [`super::settle`].

use super::context::Ledger;
use super::orders::{NewOrder, OrderRow};
use super::pay::Ended;
use super::rows::{RequestRow, SellerRow};
use super::settle::Taken;
use crate::connectors::{
    Approval, CaptureCall, Captured, CardConfirm, Confirmed, Connector, Created, Decline, Failure,
    ModeConnector, OrderCall, OrderState, ReturnUrls, WalletConfirm,
};
use crate::http::Fail;
use crate::ids::{ObjectId, SellerRef};
use chatpay_core::api::PayRequest;

impl Ledger<'_> {
    /// A card: create the order (its id persisted), confirm it with the card, capture.
    pub(crate) async fn charge_card(
        &self,
        seller: &SellerRow,
        row: &RequestRow,
        pay: &PayRequest,
        connector: &ModeConnector<'_>,
        seller_ref: SellerRef,
        origin: &str,
    ) -> Result<Ended, Fail> {
        let Some(card) = pay.card() else {
            return Ok(Ended::Refused(Fail::internal("not a card")));
        };
        let now = self.clock();
        let attempt = ObjectId::generate("att_", seller_ref, self.keys).id;
        let token = ObjectId::generate("tok_", seller_ref, self.keys).id;
        let fingerprint = self
            .keys
            .fingerprint(&seller.id, card.number.expose_digits());
        let new = NewOrder {
            attempt_id: &attempt,
            method: "card",
            token: Some(&token),
            fingerprint: Some(&fingerprint),
            wallet: None,
        };
        let order_ref = match self.open_order_to_confirm(row, connector, new, now).await? {
            Ok(order_ref) => order_ref,
            Err(ended) => return Ok(ended),
        };
        let country = card
            .country
            .clone()
            .or_else(|| pay.shipping.as_ref().map(|s| s.country.clone()))
            .unwrap_or_else(|| seller.country.clone());
        let confirmed = connector
            .confirm_card(CardConfirm {
                order_ref: &order_ref,
                card,
                country: &country,
                key: &attempt,
                urls: self.challenge_urls(origin, &row.id, &attempt),
            })
            .await;
        match confirmed {
            Confirmed::Approved => {}
            Confirmed::ActionRequired { url } => {
                self.order_action(&attempt, &url)?;
                // The card waits for its challenge; only an approved card is kept (sealed).
                self.vault_card(seller, &token, card, &fingerprint, self.clock())?;
                self.release(&row.id)?;
                self.event(
                    &row.id,
                    "payment_request.action_required",
                    "buyer",
                    serde_json::json!({"attempt": attempt}),
                    self.clock(),
                )?;
                return Ok(Ended::Action);
            }
            Confirmed::Declined(decline) => {
                self.order_stage(&attempt, "declined")?;
                self.declined(row, &token, &fingerprint, decline)?;
                return Ok(Ended::Declined(decline));
            }
            Confirmed::Failed(Failure::Unavailable) => return Ok(Ended::Unavailable),
            Confirmed::Failed(Failure::Rejected { .. }) => {
                self.order_stage(&attempt, "declined")?;
                self.declined(row, &token, &fingerprint, Decline::ProcessingError)?;
                return Ok(Ended::Declined(Decline::ProcessingError));
            }
        }
        self.vault_card(seller, &token, card, &fingerprint, self.clock())?;
        let order = self
            .order(&attempt)?
            .ok_or_else(|| Fail::internal("order vanished"))?;
        self.capture_step(seller, row, pay, connector, &order).await
    }

    /// The buyer came back from the bank's challenge: capture only if liability shifted.
    pub(crate) async fn finish_challenge(
        &self,
        seller: &SellerRow,
        row: &RequestRow,
        pay: &PayRequest,
        connector: &ModeConnector<'_>,
        order: &OrderRow,
    ) -> Result<Ended, Fail> {
        let order_ref = order.order_ref.clone().unwrap_or_default();
        match connector.get_order(&order_ref).await {
            OrderState::Approved {
                authenticated: Some(true),
                ..
            } => self.capture_step(seller, row, pay, connector, order).await,
            OrderState::Approved { .. } | OrderState::Voided | OrderState::NotFound => {
                self.order_stage(&order.attempt_id, "declined")?;
                self.declined(
                    row,
                    order.token.as_deref().unwrap_or_default(),
                    order.fingerprint.as_deref().unwrap_or_default(),
                    Decline::AuthenticationFailed,
                )?;
                Ok(Ended::Declined(Decline::AuthenticationFailed))
            }
            OrderState::ActionRequired | OrderState::Created => {
                // Not finished yet: the challenge still waits.
                self.release(&row.id)?;
                Ok(Ended::Action)
            }
            OrderState::Captured(captured) => self.captured(seller, row, pay, order, captured),
            OrderState::Unavailable => Ok(Ended::Unavailable),
        }
    }

    /// A PayPal order the buyer approved: capture it.
    pub(crate) async fn capture_order(
        &self,
        seller: &SellerRow,
        row: &RequestRow,
        pay: &PayRequest,
        connector: &ModeConnector<'_>,
        order: &OrderRow,
    ) -> Result<Ended, Fail> {
        self.capture_step(seller, row, pay, connector, order).await
    }

    pub(crate) async fn capture_step(
        &self,
        seller: &SellerRow,
        row: &RequestRow,
        pay: &PayRequest,
        connector: &ModeConnector<'_>,
        order: &OrderRow,
    ) -> Result<Ended, Fail> {
        let order_ref = order.order_ref.clone().unwrap_or_default();
        self.order_stage(&order.attempt_id, "capturing")?;
        let captured = connector
            .capture(CaptureCall {
                order_ref: &order_ref,
                key: &order.attempt_id,
            })
            .await;
        self.captured(seller, row, pay, order, captured)
    }

    /// Records a capture's result. A capture we could not read stays `capturing` and the
    /// request `processing`, for [`Ledger::recover_abandoned`] to reconcile.
    pub(crate) fn captured(
        &self,
        seller: &SellerRow,
        row: &RequestRow,
        pay: &PayRequest,
        order: &OrderRow,
        captured: Captured,
    ) -> Result<Ended, Fail> {
        let token = order.token.clone().unwrap_or_default();
        let fingerprint = order.fingerprint.clone().unwrap_or_default();
        match captured {
            Captured::Completed {
                capture_ref,
                payer,
                shipping,
            } => {
                let shipping = match (row.collect_shipping != 0, shipping, &pay.shipping) {
                    (true, Some(collected), _) => Some(self.collected_shipping(collected)?),
                    (_, _, given) => given.clone(),
                };
                self.record_paid(Taken {
                    seller,
                    row,
                    order,
                    capture_ref: &capture_ref,
                    payer: &payer,
                    shipping,
                    receipt_email: pay.receipt_email.as_deref(),
                })?;
                Ok(Ended::Paid)
            }
            Captured::Pending { capture_ref } => {
                self.record_pending(seller, row, order, &capture_ref, pay)?;
                Ok(Ended::Pending)
            }
            Captured::Declined(decline) => {
                self.order_stage(&order.attempt_id, "declined")?;
                self.declined(row, &token, &fingerprint, decline)?;
                Ok(Ended::Declined(decline))
            }
            Captured::Failed(Failure::Unavailable) => Ok(Ended::Unavailable),
            Captured::Failed(Failure::Rejected { message }) => {
                self.order_stage(&order.attempt_id, "abandoned")?;
                self.release(&row.id)?;
                Ok(Ended::Refused(
                    Fail::new(402, "card_error", "payment_failed", &message).param("method"),
                ))
            }
        }
    }

    fn challenge_urls(&self, origin: &str, request_id: &str, attempt: &str) -> ReturnUrls {
        ReturnUrls {
            return_url: format!("{origin}/v1/return/3ds/{request_id}?attempt={attempt}"),
            cancel_url: format!("{origin}/v1/return/3ds/{request_id}?attempt={attempt}&canceled=1"),
        }
    }

    /// Opens an attempt's order: written down (`creating`), then created at the processor
    /// under the attempt's key, naming the seller's merchant id as the payee whatever the
    /// method. Answers what the processor answered; the caller records what follows.
    pub(crate) async fn open_processor_order(
        &self,
        row: &RequestRow,
        connector: &ModeConnector<'_>,
        new: NewOrder<'_>,
        approval: Option<Approval<'_>>,
        now: i64,
    ) -> Result<Created, Fail> {
        self.open_order(&row.id, &new, now)?;
        let merchant = self.paypal_merchant_id()?;
        Ok(connector
            .create_order(OrderCall {
                request_id: &row.id,
                description: &row.description,
                amount: row.amount(),
                payee: merchant.as_deref(),
                key: new.attempt_id,
                approval,
            })
            .await)
    }

    /// A card's or a wallet's order, opened and ready to confirm: its order id, or how the
    /// pay ended when none came back (nothing was confirmed, so nothing can be charged: the
    /// attempt is abandoned and the request released).
    async fn open_order_to_confirm(
        &self,
        row: &RequestRow,
        connector: &ModeConnector<'_>,
        new: NewOrder<'_>,
        now: i64,
    ) -> Result<Result<String, Ended>, Fail> {
        let attempt = new.attempt_id;
        match self
            .open_processor_order(row, connector, new, None, now)
            .await?
        {
            Created::Order { order_ref, .. } => {
                self.order_created(attempt, &order_ref)?;
                self.order_stage(attempt, "confirming")?;
                Ok(Ok(order_ref))
            }
            Created::Failed(failure) => {
                self.order_stage(attempt, "abandoned")?;
                self.release(&row.id)?;
                Ok(Err(match failure {
                    Failure::Unavailable => Ended::Unavailable,
                    Failure::Rejected { .. } => Ended::Declined(Decline::ProcessingError),
                }))
            }
        }
    }

    /// The seller's PayPal merchant id (live sellers).
    pub(crate) fn paypal_merchant_id(&self) -> Result<Option<String>, Fail> {
        #[derive(serde::Deserialize)]
        struct Merchant {
            paypal_merchant_id: Option<String>,
        }
        Ok(self
            .sql
            .exec("SELECT paypal_merchant_id FROM seller", None)?
            .to_array::<Merchant>()?
            .into_iter()
            .next()
            .and_then(|m| m.paypal_merchant_id))
    }
}

impl Ledger<'_> {
    /// A wallet: its token (checked, and used once) approves a new order, then capture.
    pub(crate) async fn charge_wallet(
        &self,
        row: &RequestRow,
        pay: &PayRequest,
        connector: &ModeConnector<'_>,
        seller_ref: SellerRef,
        seller: &SellerRow,
    ) -> Result<Ended, Fail> {
        let chatpay_core::api::PayMethod::Wallet { wallet, .. } = &pay.method else {
            return Ok(Ended::Refused(Fail::internal("not a wallet")));
        };
        let now = self.clock();
        let attempt = ObjectId::generate("att_", seller_ref, self.keys).id;
        let new = NewOrder {
            attempt_id: &attempt,
            method: "wallet",
            token: None,
            fingerprint: None,
            wallet: Some(wallet),
        };
        let order_ref = match self.open_order_to_confirm(row, connector, new, now).await? {
            Ok(order_ref) => order_ref,
            Err(ended) => return Ok(ended),
        };
        let confirmed = connector
            .confirm_wallet(WalletConfirm {
                order_ref: &order_ref,
                wallet,
            })
            .await;
        match confirmed {
            Confirmed::Approved => {}
            Confirmed::Failed(Failure::Unavailable) => return Ok(Ended::Unavailable),
            _ => {
                self.order_stage(&attempt, "declined")?;
                self.declined(row, &attempt, "", Decline::ProcessingError)?;
                return Ok(Ended::Declined(Decline::ProcessingError));
            }
        }
        let order = self
            .order(&attempt)?
            .ok_or_else(|| Fail::internal("order vanished"))?;
        self.capture_step(seller, row, pay, connector, &order).await
    }
}
