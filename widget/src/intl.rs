//! Amounts and times in the buyer's locale: chatpay-intl, shared with the dashboard.

pub use chatpay_intl::{format_amount, format_time, locale as buyer_locale};
