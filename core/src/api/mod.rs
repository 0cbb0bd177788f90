//! The JSON API v1: request bodies parsed into domain values ([`new_seller`],
//! [`new_request`], [`pay`]), the one error shape ([`errors`]), and the response objects
//! the edge serializes and the dashboard and the card read ([`views`], with the status-like
//! fields of [`wire`]).
//!
//! Clients ignore response fields they do not know, so response types never deny unknown
//! fields; request bodies are strict, so a typo is an error rather than a silent default.

pub mod errors;
pub mod live;
pub mod mask_text;
pub mod new_request;
pub mod new_seller;
pub mod pay;
mod text;
pub mod views;
pub mod wire;

pub use crate::external_id::parse_external_id;
pub use crate::origins::parse_origin;
pub use errors::{ApiError, ErrorBody};
pub use new_request::{NewPaymentRequest, DEFAULT_EXPIRES_IN, MAX_EXPIRES_IN};
pub use new_seller::NewSeller;
pub use pay::{country_code, valid_email, CardInput, PayMethod, PayRequest};
pub use views::{PublicPayment, PublicSeller};
pub use wire::{Wire, WireName};

/// Request and response bodies larger than this are refused with 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
