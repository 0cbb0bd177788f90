//! What the buyer reads when a call fails: what happened and what to do next, from the
//! API's code, decline code and the request's status.

use crate::client::Failure;
use chatpay_core::api::wire::Wire;
use chatpay_core::api::ApiError;
use chatpay_core::state::Status;

/// Words for the buyer: what happened and what to do next.
pub fn failure_message(failure: &Failure) -> String {
    match failure {
        Failure::Network => {
            "We couldn't reach the payment server. Check your connection and try again.".into()
        }
        Failure::NoSecret => "This payment card has expired. Reload the chat to pay.".into(),
        Failure::Api { status, error } => api_message(*status, error),
    }
}

fn api_message(status: u16, error: &ApiError) -> String {
    let text = match (status, error.decline_code.as_deref(), error.code.as_str()) {
        (402, Some("insufficient_funds"), _) => {
            "Your card has insufficient funds. Try another card."
        }
        (402, Some("expired_card"), _) => "Your card has expired. Try another card.",
        (402, Some("incorrect_cvc"), _) => {
            "The security code is incorrect. Check the back of your card and try again."
        }
        (402, Some("authentication_failed"), _) | (402, _, "authentication_failed") => {
            "Your bank could not confirm it's you. Try again or use another card."
        }
        (402, Some("processing_error"), _) => {
            "We couldn't process your card just now. Try again in a moment, or use another card."
        }
        (402, _, _) => {
            "Your card was declined. Try another card, or contact your bank for details."
        }
        (409, _, "request_not_payable") => match error
            .status
            .as_deref()
            .and_then(|s| Wire::<Status>::read(s).known())
        {
            Some(Status::Paid) => "This request has already been paid.",
            Some(Status::Canceled) => "This request was canceled and can no longer be paid.",
            Some(Status::Declined) => "You declined this request, so it can no longer be paid.",
            Some(Status::Expired) => "This request has expired. Ask the seller for a new one.",
            _ => "This request can no longer be paid.",
        },
        (409, _, "too_many_attempts") => {
            "This request can't take more card attempts. Ask the seller to unlock it or send a new request."
        }
        (409, _, "idempotency_key_in_use") => {
            "Your payment is still being processed. Wait a moment, then press Pay again."
        }
        (502, _, "processor_unavailable") => {
            "We couldn't reach the payment processor. Try again."
        }
        (401, _, _) => "This payment card has expired. Reload the chat to pay.",
        (429, _, _) => "Too many attempts in a short time. Wait a minute, then try again.",
        (500.., _, _) => "The payment server had a problem. Please try again.",
        _ => return error.message.clone(),
    };
    text.into()
}
