//! Payments v2 refunds: `POST /v2/payments/captures/{capture_id}/refund`.

use super::super::connector::{Failure, RefundCall, Refunded};
use super::amount::{money, Money};
use super::client::{path_id, request_id, to_json, Call, Client, Method};
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
pub struct RefundRequest<'a> {
    amount: Money,
    /// Our request id, so the refund's webhook routes back.
    custom_id: &'a str,
}

#[derive(Deserialize)]
pub struct Refund {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub status: Option<RefundStatus>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RefundStatus {
    Cancelled,
    Failed,
    Pending,
    Completed,
    #[serde(other)]
    Unknown,
}

pub fn refund_request<'a>(refund: &RefundCall<'a>) -> Result<RefundRequest<'a>, Failure> {
    Ok(RefundRequest {
        amount: money(refund.amount).map_err(|message| Failure::Rejected { message })?,
        custom_id: refund.request_id,
    })
}

impl Refund {
    pub fn refunded(self) -> Refunded {
        let Some(refund_ref) = self.id.filter(|id| !id.is_empty()) else {
            return Refunded::Failed(Failure::Unavailable);
        };
        match self.status.unwrap_or(RefundStatus::Unknown) {
            RefundStatus::Completed => Refunded::Completed { refund_ref },
            RefundStatus::Pending => Refunded::Pending { refund_ref },
            RefundStatus::Failed => Refunded::Refused {
                message: "PayPal could not refund the capture.".into(),
            },
            RefundStatus::Cancelled => Refunded::Refused {
                message: "PayPal cancelled the refund.".into(),
            },
            // Accepted under a status 2.5 does not list: the webhook will settle it.
            RefundStatus::Unknown => Refunded::Failed(Failure::Unavailable),
        }
    }
}

pub async fn refund(client: &Client<'_>, refund: RefundCall<'_>) -> Refunded {
    match try_refund(client, &refund).await {
        Ok(refunded) => refunded,
        Err(failure) => Refunded::Failed(failure),
    }
}

async fn try_refund(client: &Client<'_>, refund: &RefundCall<'_>) -> Result<Refunded, Failure> {
    let capture = path_id(refund.capture_ref)?;
    let key = request_id(refund.key, "refund")?;
    let body = to_json(&refund_request(refund)?)?;
    let call = Call {
        operation: "refund",
        method: Method::Post,
        path: format!("/v2/payments/captures/{capture}/refund"),
        body: Some(body),
        request_id: Some(&key),
        representation: true,
    };
    let answer = client.send(&call).await?.accepted()?;
    let refund: Refund = answer.parse().ok_or(Failure::Unavailable)?;
    Ok(refund.refunded())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chatpay_core::{Amount, Currency};
    use serde_json::json;

    fn refunded(value: serde_json::Value) -> Refunded {
        serde_json::from_value::<Refund>(value).unwrap().refunded()
    }

    #[test]
    fn every_refund_status_maps() {
        assert!(matches!(
            refunded(json!({"id": "R1", "status": "COMPLETED"})),
            Refunded::Completed { refund_ref } if refund_ref == "R1"
        ));
        assert!(matches!(
            refunded(json!({"id": "R1", "status": "PENDING"})),
            Refunded::Pending { refund_ref } if refund_ref == "R1"
        ));
        for refused in ["FAILED", "CANCELLED"] {
            assert!(matches!(
                refunded(json!({"id": "R1", "status": refused})),
                Refunded::Refused { .. }
            ));
        }
        assert!(matches!(
            refunded(json!({"id": "R1", "status": "LATER"})),
            Refunded::Failed(Failure::Unavailable)
        ));
        assert!(matches!(
            refunded(json!({"status": "COMPLETED"})),
            Refunded::Failed(Failure::Unavailable)
        ));
    }

    #[test]
    fn the_request_names_the_amount_and_our_request() {
        let call = RefundCall {
            capture_ref: "2GG279541U471931P",
            amount: Amount::from_minor(500, Currency::parse("JPY").unwrap()),
            request_id: "pr_abc",
            key: "re_x",
        };
        assert_eq!(
            serde_json::to_value(refund_request(&call).ok().unwrap()).unwrap(),
            json!({"amount": {"currency_code": "JPY", "value": "500"}, "custom_id": "pr_abc"})
        );
    }
}
