//! The receipt a paid request turns into: what was paid, with which card, PayPal account or
//! wallet, when, and the payment id to quote to the seller.

use crate::intl::format_time;
use chatpay_core::api::views::PublicPayment;
use chatpay_core::card::Brand;
use leptos::prelude::*;

#[component]
pub fn Receipt(payment: PublicPayment, amount: String, seller: String) -> impl IntoView {
    // "Card: Visa •••• 4242", "Paid with: PayPal · a•••@example.com" or "Wallet: ...".
    let (label, method) = match payment.method_type.as_str() {
        "paypal" => (
            "Paid with",
            match &payment.payer_email_masked {
                Some(email) => format!("PayPal · {email}"),
                None => "PayPal".to_owned(),
            },
        ),
        kind => {
            let brand = payment.brand.clone().unwrap_or_default();
            let brand = Brand::from_wire(&brand).map_or(brand, |b| b.display_name().to_owned());
            let card = match &payment.last4 {
                Some(last4) => format!("{brand} •••• {last4}"),
                None => brand,
            };
            (if kind == "wallet" { "Wallet" } else { "Card" }, card)
        }
    };
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
