//! The receipt a paid request turns into: what was paid, with which card, PayPal account or
//! wallet, when, and the payment id to quote to the seller.

use crate::intl::format_time;
use chatpay_core::api::views::PublicPayment;
use chatpay_core::card::Brand;
use leptos::prelude::*;

/// The receipt's method row: "Card: Visa •••• 4242", "Paid with: PayPal · a•••@example.com"
/// or "Paid with: Wallet (sandbox)". The public payment does not name the wallet; the sandbox
/// is the only one (test mode), and a wallet that gives a card says which.
pub fn method_row(payment: &PublicPayment) -> (&'static str, String) {
    let brand = payment.brand.clone().unwrap_or_default();
    let brand = Brand::from_wire(&brand).map_or(brand, |b| b.display_name().to_owned());
    let card = match &payment.last4 {
        Some(last4) => format!("{brand} •••• {last4}"),
        None => brand,
    };
    match payment.method_type.as_str() {
        "paypal" => (
            "Paid with",
            match &payment.payer_email_masked {
                Some(email) => format!("PayPal · {email}"),
                None => "PayPal".to_owned(),
            },
        ),
        "wallet" if card.is_empty() => ("Paid with", "Wallet (sandbox)".to_owned()),
        "wallet" => ("Wallet", card),
        _ => ("Card", card),
    }
}

#[component]
pub fn Receipt(payment: PublicPayment, amount: String, seller: String) -> impl IntoView {
    let (label, method) = method_row(&payment);
    view! {
        <section class="cp-receipt" aria-labelledby="cp-receipt-title">
            <div class="cp-receipt-head">
                <span class="cp-check" aria-hidden="true">
                    <svg viewBox="0 0 24 24" width="20" height="20"><path d="M5 12.5l4.2 4.2L19 7" fill="none" stroke="currentColor" stroke-width="2.4" stroke-linecap="round" stroke-linejoin="round"/></svg>
                </span>
                <div>
                    <h2 id="cp-receipt-title" class="cp-receipt-title" tabindex="-1">"Payment complete"</h2>
                    <p class="cp-receipt-sub">{amount} " paid to " {seller}</p>
                </div>
            </div>
            <dl class="cp-receipt-rows">
                <div><dt>{label}</dt><dd class="cp-receipt-card">{method}</dd></div>
                <div><dt>"Date"</dt><dd>{format_time(&payment.paid_at)}</dd></div>
                <div><dt>"Payment ID"</dt><dd class="cp-mono cp-payment-id">{payment.id}</dd></div>
            </dl>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paid(method_type: &str, brand: Option<&str>, last4: Option<&str>) -> PublicPayment {
        PublicPayment {
            id: "py_1".into(),
            method_type: method_type.into(),
            brand: brand.map(Into::into),
            last4: last4.map(Into::into),
            payer_email_masked: None,
            paid_at: String::new(),
        }
    }

    #[test]
    fn each_method_reads_as_the_buyer_paid() {
        let row = |p: PublicPayment| {
            let (label, method) = method_row(&p);
            format!("{label}: {method}")
        };
        assert_eq!(
            row(paid("card", Some("visa"), Some("4242"))),
            "Card: Visa •••• 4242"
        );
        assert_eq!(row(paid("paypal", None, None)), "Paid with: PayPal");
        assert_eq!(
            row(paid("wallet", None, None)),
            "Paid with: Wallet (sandbox)"
        );
        assert_eq!(
            row(paid("wallet", Some("visa"), Some("1111"))),
            "Wallet: Visa •••• 1111"
        );
    }
}
