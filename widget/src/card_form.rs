//! The card form: the PayPal button and the wallet beside it (test mode), five labelled
//! inputs (after a shipping address when the request asks for one), inline errors, the Pay
//! button that runs one attempt at a time, and Decline.

use crate::address::{Address, AddressErrors, AddressField, AddressFields};
use crate::card_entry::{
    autocomplete, caret_after_digits, digits, input_mode, max_length, placeholder, this_month,
    CardText, Field,
};
use crate::client::{self, Failure, Shown};
use crate::failure_text::failure_message;
use crate::focus::focus_by_id;
use crate::frame::Frame;
use crate::intl::buyer_locale;
use crate::notice::{alert_box, Alert};
use crate::parent::Parent;
use crate::paypal::PayPalButton;
use crate::progress::{Progress, Stage};
use crate::settle;
use crate::wallet::WalletButton;
use chatpay_core::card::Brand;
use leptos::ev::{Event, SubmitEvent};
use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;
use web_sys::HtmlInputElement;

/// One message per field, `None` when the field is fine.
#[derive(Clone, Debug, Default, PartialEq)]
struct FieldErrors([Option<String>; 5]);

impl FieldErrors {
    fn get(&self, field: Field) -> Option<&String> {
        self.0[field as usize].as_ref()
    }

    fn set(&mut self, field: Field, message: Option<String>) {
        self.0[field as usize] = message;
    }
}

/// The form's state, shared by the five inputs. Every part is a handle, so it is `Copy`.
#[derive(Clone, Copy)]
struct Form {
    text: RwSignal<CardText>,
    errors: RwSignal<FieldErrors>,
    brand: Memo<Option<Brand>>,
    busy: RwSignal<bool>,
    /// Kept while an attempt may have reached the server without an answer; cleared when
    /// the buyer edits the card, since a different body needs a different key.
    pending_key: StoredValue<Option<String>>,
    inputs: [NodeRef<Input>; 5],
    /// What the seller's live view has been told.
    progress: Progress,
}

impl Form {
    fn new(progress: Progress) -> Form {
        let text = RwSignal::new(CardText::default());
        Form {
            text,
            errors: RwSignal::new(FieldErrors::default()),
            brand: Memo::new(move |_| text.with(CardText::brand)),
            busy: RwSignal::new(false),
            pending_key: StoredValue::new(None),
            inputs: Default::default(),
            progress,
        }
    }

    /// Regroups what was typed (keeping the caret by the same digit) and stores it.
    fn typed(self, field: Field, ev: Event) {
        let input: HtmlInputElement = event_target(&ev);
        let raw = input.value();
        let shown = self.text.with_untracked(|t| t.regroup(field, &raw));
        if shown != raw {
            let caret = input
                .selection_start()
                .ok()
                .flatten()
                .map_or(raw.len(), |c| c as usize);
            let before = digits(&raw.chars().take(caret).collect::<String>()).len();
            let at = caret_after_digits(&shown, before) as u32;
            input.set_value(&shown);
            let _ = input.set_selection_range(at, at);
        }
        self.text.update(|t| *t.slot(field) = shown);
        self.pending_key.set_value(None);
        self.progress.reach(Stage::EnteringDetails);
        if self
            .text
            .with_untracked(|t| t.problems(this_month()).is_empty())
        {
            self.progress.reach(Stage::DetailsComplete);
        }
        // An error on screen goes away as soon as the field is right; new errors wait for blur.
        if self.errors.with_untracked(|e| e.get(field).is_some())
            && self
                .text
                .with_untracked(|t| t.check(field, this_month()))
                .is_none()
        {
            self.errors.update(|e| e.set(field, None));
        }
    }

    fn left(self, field: Field) {
        let problem = self.text.with_untracked(|t| {
            (!t.get(field).is_empty())
                .then(|| t.check(field, this_month()))
                .flatten()
        });
        self.errors.update(|e| e.set(field, problem));
    }

    fn focus(self, field: Field) {
        if let Some(input) = self.inputs[field as usize].get_untracked() {
            let _ = input.focus();
        }
    }
}

#[component]
pub fn CardForm(
    frame: Arc<Frame>,
    parent: Parent,
    /// The request on screen; a successful pay or decline replaces it.
    request: RwSignal<Option<Shown>>,
    /// Why the last try failed, for the whole form.
    alert: Alert,
    /// The formatted amount, for the Pay button.
    amount: String,
    /// The request asks for a shipping address.
    collect_shipping: bool,
    seller: String,
) -> impl IntoView {
    let progress = Progress::new(frame.clone());
    progress.reach(Stage::Viewed);
    let form = Form::new(progress);
    let Form {
        text, errors, busy, ..
    } = form;
    let address = RwSignal::new(Address::for_locale(&buyer_locale()));
    let address_errors = RwSignal::new(AddressErrors::default());
    let address_inputs: [NodeRef<Input>; 7] = Default::default();
    let country_select = NodeRef::new();
    let focus_address = move |field: AddressField| {
        let element: Option<web_sys::HtmlElement> = if field == AddressField::Country {
            country_select.get_untracked().map(Into::into)
        } else {
            address_inputs[field as usize]
                .get_untracked()
                .map(Into::into)
        };
        if let Some(element) = element {
            let _ = element.focus();
        }
    };
    // The shipping address as pay sends it, or `Err` once its problems are shown and the
    // first is focused: for the card's pay and the wallet's alike.
    let shipping = move || {
        let problems = if collect_shipping {
            address.with_untracked(Address::problems)
        } else {
            Vec::new()
        };
        let mut found = AddressErrors::default();
        for (field, message) in &problems {
            found[*field as usize] = Some((*message).to_owned());
        }
        address_errors.set(found);
        match problems.first() {
            Some((field, _)) => {
                focus_address(*field);
                Err(())
            }
            None => Ok(collect_shipping.then(|| address.with_untracked(Address::to_js))),
        }
    };
    let confirming = RwSignal::new(false);
    let declining = RwSignal::new(false);
    let paypal = RwSignal::new(false);
    let wallet = RwSignal::new(false);
    let paypal_frame = frame.clone();
    let paypal_parent = parent.clone();
    let wallet_frame = frame.clone();
    let wallet_parent = parent.clone();
    let pay_frame = frame.clone();
    let parent_for_decline = parent.clone();

    // What a pay answered, for the card's pay (`card`) and the wallet's alike: the request
    // as it moved on, or why it failed, at the field it names or for the whole form.
    let answered = move |outcome: Result<Shown, Failure>, card: bool| {
        let frame = pay_frame.clone();
        let parent = parent.clone();
        spawn_local(async move {
            let retry = matches!(&outcome, Err(f) if f.may_retry());
            if card && !retry {
                form.pending_key.set_value(None);
            }
            let failure = match outcome {
                Ok(latest) => {
                    // Paid, held for review or waiting for the bank: the form is gone, and
                    // focus goes to what replaced it.
                    text.set(CardText::default());
                    return settle::show(&parent, request, latest).await;
                }
                Err(failure) => failure,
            };
            // The security code is good for one attempt only; an attempt whose outcome is
            // unknown is retried as it was, under the same key.
            if card && !retry {
                text.update(|t| t.cvc.clear());
            }
            let message = failure_message(&failure);
            parent.error(failure.code(), &message);
            if let Failure::Api { error, .. } = &failure {
                if let Some(field) = error.param.as_deref().and_then(AddressField::from_param) {
                    let words = address.with_untracked(|a| a.refused(field));
                    address_errors.update(|e| e[field as usize] = Some(words));
                    focus_address(field);
                    return;
                }
            }
            let field = match &failure {
                Failure::Api { status: 409, error } if error.code == "request_not_payable" => {
                    if let Ok(latest) = client::fetch_public(&frame).await {
                        request.set(Some(latest));
                    }
                    None
                }
                Failure::Api { error, .. } => error
                    .param
                    .as_deref()
                    .and_then(Field::from_param)
                    .or_else(|| {
                        (error.decline_code.as_deref() == Some("incorrect_cvc"))
                            .then_some(Field::Cvc)
                    }),
                _ => None,
            };
            match field {
                Some(field) => {
                    errors.update(|e| e.set(field, Some(message)));
                    form.focus(field);
                }
                None => alert.set(Some(message)),
            }
        });
    };

    let wallet_answered = answered.clone();
    let submit_frame = frame.clone();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked()
            || declining.get_untracked()
            || paypal.get_untracked()
            || wallet.get_untracked()
        {
            return;
        }
        alert.set(None);
        confirming.set(false);
        let now = this_month();
        let shipping = shipping();
        let problems = text.with_untracked(|t| t.problems(now));
        let mut found = FieldErrors::default();
        for (field, message) in &problems {
            found.set(*field, Some(message.clone()));
        }
        errors.set(found);
        let Ok(shipping) = shipping else {
            return;
        };
        if let Some((field, _)) = problems.first() {
            form.focus(*field);
            return;
        }
        let Some(body) = text.with_untracked(|t| t.pay_body(now, shipping)) else {
            return;
        };
        let key = form
            .pending_key
            .get_value()
            .unwrap_or_else(client::new_idempotency_key);
        form.pending_key.set_value(Some(key.clone()));
        busy.set(true);
        let frame = submit_frame.clone();
        let answered = answered.clone();
        spawn_local(async move {
            let outcome = client::pay(&frame, &key, &body).await;
            drop(body);
            busy.set(false);
            answered(outcome, true);
        });
    };

    let decline_frame = frame.clone();
    let decline = move |_: leptos::ev::MouseEvent| {
        if busy.get_untracked() || declining.get_untracked() {
            return;
        }
        alert.set(None);
        declining.set(true);
        let frame = decline_frame.clone();
        let parent = parent_for_decline.clone();
        spawn_local(async move {
            let key = client::new_idempotency_key();
            let outcome = client::decline(&frame, &key).await;
            declining.set(false);
            match outcome {
                Ok(declined) => {
                    parent.declined();
                    request.set(Some(declined));
                    focus_by_id("cp-outcome-title").await;
                }
                Err(failure) => {
                    confirming.set(false);
                    let message = failure_message(&failure);
                    parent.error(failure.code(), &message);
                    if matches!(&failure, Failure::Api { status: 409, .. }) {
                        if let Ok(latest) = client::fetch_public(&frame).await {
                            request.set(Some(latest));
                            return;
                        }
                    }
                    alert.set(Some(message));
                }
            }
        });
    };
    // The button pressed is replaced, so focus goes to the safe choice of what replaced it.
    let toggle_confirm = move |open: bool| {
        confirming.set(open);
        spawn_local(focus_by_id(if open { "cp-keep" } else { "cp-decline" }));
    };
    // One payment at a time: while PayPal's window or the wallet is open the card waits too.
    // PayPal's button stays live while its own window is open, to bring the window forward.
    // One memo for the controls it disables: each distinct closure in a view costs the
    // download its own copy of the render code.
    let not_paypal = Memo::new(move |_| busy.get() || declining.get() || wallet.get());
    let locked = Memo::new(move |_| not_paypal.get() || paypal.get());

    view! {
        <form class="cp-form" novalidate on:submit=on_submit>
            <PayPalButton frame=paypal_frame parent=paypal_parent request alert busy=paypal locked=not_paypal>
                <WalletButton frame=wallet_frame parent=wallet_parent request alert busy=wallet locked shipping answered=wallet_answered />
            </PayPalButton>
            {collect_shipping.then(|| view! {
                <AddressFields address errors=address_errors inputs=address_inputs country_select />
            })}
            <fieldset class="cp-fieldset" disabled=locked>
                <legend class=if collect_shipping { "cp-legend" } else { "cp-visually-hidden" }>"Card details"</legend>
                {field_row(form, Field::Number)}
                <div class="cp-row">{field_row(form, Field::Expiry)} {field_row(form, Field::Cvc)}</div>
                {field_row(form, Field::Name)}
                {field_row(form, Field::Postal)}
            </fieldset>
            {alert_box(alert)}
            <Show
                when=move || confirming.get()
                fallback=move || view! {
                    <div class="cp-actions">
                        <button class="cp-pay" type="submit" disabled=locked aria-busy=move || busy.get().to_string()>
                            <Show
                                when=move || busy.get()
                                fallback={
                                    let amount = amount.clone();
                                    move || view! { <span>"Pay " {amount.clone()}</span> }
                                }
                            >
                                <span class="cp-spinner" aria-hidden="true"></span>
                                <span>"Processing…"</span>
                            </Show>
                        </button>
                        <button id="cp-decline" class="cp-decline" type="button" disabled=locked on:click=move |_| toggle_confirm(true)>
                            "Decline"
                        </button>
                    </div>
                }
            >
                <div class="cp-confirm" role="group" aria-labelledby="cp-confirm-title">
                    <p id="cp-confirm-title" class="cp-confirm-title">"Decline this request?"</p>
                    <p class="cp-confirm-text">{seller.clone()} " will see that you declined. It can't be paid afterwards."</p>
                    <div class="cp-confirm-actions">
                        <button id="cp-keep" class="cp-secondary cp-keep" type="button" disabled=declining on:click=move |_| toggle_confirm(false)>
                            "Go back"
                        </button>
                        <button class="cp-danger" type="button" disabled=declining on:click=decline.clone()>
                            {move || if declining.get() { "Declining…" } else { "Decline request" }}
                        </button>
                    </div>
                </div>
            </Show>
        </form>
    }
}

/// One labelled input with its inline error. A single function for all five fields, so
/// the view code is generated once.
fn field_row(form: Form, field: Field) -> impl IntoView {
    let errors = form.errors;
    let brand = form.brand;
    let has_error = move || errors.with(|e| e.get(field).is_some());
    view! {
        <div class=row_class(field) class:cp-invalid=has_error>
            <div class="cp-label-row">
                <label for=field.id()>{label(field)}</label>
                {move || (field == Field::Number).then(|| brand.get()).flatten().map(|b| view! {
                    <span class=format!("cp-brand cp-brand-{}", b.as_str())>
                        <span class="cp-visually-hidden">"Card brand: "</span>
                        {short_brand(b)}
                    </span>
                })}
            </div>
            <input
                id=field.id()
                name=field.id()
                type="text"
                inputmode=input_mode(field)
                autocomplete=autocomplete(field)
                spellcheck="false"
                placeholder=move || placeholder(field, brand.get())
                maxlength=move || max_length(field, brand.get())
                aria-invalid=move || has_error().to_string()
                aria-describedby=move || has_error().then_some(field.error_id())
                prop:value=move || form.text.with(|t| t.get(field).to_owned())
                node_ref=form.inputs[field as usize]
                on:input=move |ev| form.typed(field, ev)
                on:blur=move |_| form.left(field)
            />
            <p class="cp-error" id=field.error_id() aria-live="polite">
                {move || errors.with(|e| e.get(field).cloned())}
            </p>
        </div>
    }
}

fn row_class(field: Field) -> &'static str {
    match field {
        Field::Number => "cp-field cp-field-number",
        _ => "cp-field",
    }
}

fn label(field: Field) -> &'static str {
    match field {
        Field::Number => "Card number",
        Field::Expiry => "Expiry",
        Field::Cvc => "Security code",
        Field::Name => "Name on card",
        Field::Postal => "Postal code",
    }
}

fn short_brand(brand: Brand) -> &'static str {
    match brand {
        Brand::Visa => "VISA",
        Brand::Mastercard => "MASTERCARD",
        Brand::Amex => "AMEX",
        Brand::Discover => "DISCOVER",
        Brand::Diners => "DINERS",
        Brand::Jcb => "JCB",
        Brand::UnionPay => "UNIONPAY",
        Brand::Maestro => "MAESTRO",
    }
}
