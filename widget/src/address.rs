//! The shipping address a request with `collect_shipping: true` asks for before the card.
//! The card checks only what is missing; the edge checks formats per country and its errors
//! (`param: "shipping.postal_code"`) are shown at the field they name.

use crate::js_value::js_object;
use leptos::ev::Event;
use leptos::prelude::*;
use wasm_bindgen::JsValue;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressField {
    Name,
    Country,
    Line1,
    Line2,
    City,
    State,
    Postal,
}

impl AddressField {
    /// Screen order, which is also the order errors are focused in.
    pub const ALL: [AddressField; 7] = [
        AddressField::Name,
        AddressField::Country,
        AddressField::Line1,
        AddressField::Line2,
        AddressField::City,
        AddressField::State,
        AddressField::Postal,
    ];

    /// The API's name for the field, after `shipping.`.
    fn wire(self) -> &'static str {
        match self {
            AddressField::Name => "name",
            AddressField::Country => "country",
            AddressField::Line1 => "line1",
            AddressField::Line2 => "line2",
            AddressField::City => "city",
            AddressField::State => "state",
            AddressField::Postal => "postal_code",
        }
    }

    pub fn from_param(param: &str) -> Option<AddressField> {
        let name = param.strip_prefix("shipping.")?;
        AddressField::ALL.into_iter().find(|f| f.wire() == name)
    }

    pub fn id(self) -> String {
        format!("cp-ship-{}", self.wire())
    }

    fn autocomplete(self) -> &'static str {
        match self {
            AddressField::Name => "shipping name",
            AddressField::Country => "shipping country",
            AddressField::Line1 => "shipping address-line1",
            AddressField::Line2 => "shipping address-line2",
            AddressField::City => "shipping address-level2",
            AddressField::State => "shipping address-level1",
            AddressField::Postal => "shipping postal-code",
        }
    }
}

/// Countries whose addresses the edge checks closely, by name. Others could be added freely:
/// the edge accepts any ISO 3166-1 alpha-2 code.
pub const COUNTRIES: [(&str, &str); 8] = [
    ("AU", "Australia"),
    ("CA", "Canada"),
    ("FR", "France"),
    ("DE", "Germany"),
    ("JP", "Japan"),
    ("NL", "Netherlands"),
    ("GB", "United Kingdom"),
    ("US", "United States"),
];

/// What is typed in the address fields.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Address {
    pub name: String,
    pub country: String,
    pub line1: String,
    pub line2: String,
    pub city: String,
    pub state: String,
    pub postal: String,
}

impl Address {
    /// An empty address in the buyer's country when the browser's language names one we list.
    pub fn for_locale(locale: &str) -> Address {
        let region = locale
            .rsplit(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let country = COUNTRIES
            .iter()
            .find(|(code, _)| *code == region)
            .map_or("US", |(code, _)| code);
        Address {
            country: country.into(),
            ..Address::default()
        }
    }

    pub fn slot(&mut self, field: AddressField) -> &mut String {
        match field {
            AddressField::Name => &mut self.name,
            AddressField::Country => &mut self.country,
            AddressField::Line1 => &mut self.line1,
            AddressField::Line2 => &mut self.line2,
            AddressField::City => &mut self.city,
            AddressField::State => &mut self.state,
            AddressField::Postal => &mut self.postal,
        }
    }

    pub fn get(&self, field: AddressField) -> &str {
        match field {
            AddressField::Name => &self.name,
            AddressField::Country => &self.country,
            AddressField::Line1 => &self.line1,
            AddressField::Line2 => &self.line2,
            AddressField::City => &self.city,
            AddressField::State => &self.state,
            AddressField::Postal => &self.postal,
        }
    }

    /// The edge requires a state or province for these.
    pub fn needs_state(&self) -> bool {
        matches!(self.country.as_str(), "US" | "CA" | "AU")
    }

    pub fn check(&self, field: AddressField) -> Option<&'static str> {
        let empty = self.get(field).trim().is_empty();
        match field {
            AddressField::Name if empty => Some("Enter the recipient's name."),
            AddressField::Line1 if empty => Some("Enter the street address."),
            AddressField::City if empty => Some("Enter the city."),
            AddressField::State if empty && self.needs_state() => {
                Some(match self.country.as_str() {
                    "CA" => "Choose the province.",
                    _ => "Enter the state.",
                })
            }
            AddressField::Postal if empty => Some("Enter the postal code."),
            AddressField::Country if empty => Some("Choose a country."),
            _ => None,
        }
    }

    /// The edge refused `field` (its message names API fields): the same in words for the buyer.
    pub fn refused(&self, field: AddressField) -> String {
        match field {
            AddressField::Postal => match self.country.as_str() {
                "US" => "Enter a valid ZIP code.".into(),
                "GB" => "Enter a valid postcode.".into(),
                "NL" => "Enter a valid postal code for the Netherlands.".into(),
                code => format!(
                    "Enter a valid postal code for {}.",
                    COUNTRIES
                        .iter()
                        .find(|(c, _)| *c == code)
                        .map_or("this country", |(_, name)| name)
                ),
            },
            AddressField::State if self.needs_state() => "Enter the state or province.".into(),
            AddressField::Country => "Choose a country.".into(),
            _ => format!(
                "Check this field: {}.",
                label(field, &self.country).trim_end_matches(" (optional)")
            ),
        }
    }

    pub fn problems(&self) -> Vec<(AddressField, &'static str)> {
        AddressField::ALL
            .into_iter()
            .filter_map(|f| self.check(f).map(|m| (f, m)))
            .collect()
    }

    /// The `shipping` object of the pay body. Postal codes go upper case, as the edge's
    /// formats (`K1A 0B1`, `1234 AB`) expect.
    pub fn to_js(&self) -> JsValue {
        let mut pairs = vec![
            ("name", self.name.trim().into()),
            ("line1", self.line1.trim().into()),
            ("city", self.city.trim().into()),
            (
                "postal_code",
                self.postal.trim().to_ascii_uppercase().into(),
            ),
            ("country", self.country.as_str().into()),
        ];
        for (key, value) in [("line2", &self.line2), ("state", &self.state)] {
            if !value.trim().is_empty() {
                pairs.push((key, value.trim().into()));
            }
        }
        js_object(&pairs)
    }
}

fn label(field: AddressField, country: &str) -> &'static str {
    match field {
        AddressField::Name => "Full name",
        AddressField::Country => "Country",
        AddressField::Line1 => "Address",
        AddressField::Line2 => "Apartment, suite, etc. (optional)",
        AddressField::City => "City",
        AddressField::State => match country {
            "US" | "AU" => "State",
            "CA" => "Province",
            "JP" => "Prefecture (optional)",
            "GB" => "County (optional)",
            _ => "Region (optional)",
        },
        AddressField::Postal => match country {
            "US" => "ZIP code",
            "GB" => "Postcode",
            _ => "Postal code",
        },
    }
}

/// One message per address field, `None` when the field is fine.
pub type AddressErrors = [Option<String>; 7];

/// The address fields, for inside the pay form.
#[component]
pub fn AddressFields(
    address: RwSignal<Address>,
    errors: RwSignal<AddressErrors>,
    /// The first field, focused when the form finds a problem there.
    inputs: [NodeRef<leptos::html::Input>; 7],
    country_select: NodeRef<leptos::html::Select>,
) -> impl IntoView {
    let row = move |field: AddressField| address_row(address, errors, inputs, field);
    let options = COUNTRIES
        .iter()
        .map(|(code, name)| view! { <option value=*code>{*name}</option> })
        .collect_view();
    let country = AddressField::Country;
    let has_error = move || errors.with(|e| e[country as usize].is_some());
    view! {
        <fieldset class="cp-fieldset cp-address">
            <legend class="cp-legend">"Shipping address"</legend>
            {row(AddressField::Name)}
            <div class="cp-field" class:cp-invalid=has_error>
                <label for=country.id()>"Country"</label>
                <select
                    id=country.id()
                    name=country.id()
                    autocomplete=country.autocomplete()
                    node_ref=country_select
                    prop:value=move || address.with(|a| a.country.clone())
                    on:change=move |ev: Event| {
                        let value = event_target_value(&ev);
                        address.update(|a| a.country = value);
                        errors.update(|e| {
                            e[AddressField::State as usize] = None;
                            e[AddressField::Postal as usize] = None;
                        });
                    }
                >
                    {options}
                </select>
            </div>
            {row(AddressField::Line1)}
            {row(AddressField::Line2)}
            {row(AddressField::City)}
            <div class="cp-row">{row(AddressField::State)} {row(AddressField::Postal)}</div>
        </fieldset>
    }
}

fn address_row(
    address: RwSignal<Address>,
    errors: RwSignal<AddressErrors>,
    inputs: [NodeRef<leptos::html::Input>; 7],
    field: AddressField,
) -> impl IntoView {
    let id = field.id();
    let error_id = format!("{id}-error");
    let has_error = move || errors.with(|e| e[field as usize].is_some());
    let described = error_id.clone();
    view! {
        <div class="cp-field" class:cp-invalid=has_error>
            <label for=id.clone()>{move || address.with(|a| label(field, &a.country))}</label>
            <input
                id=id.clone()
                name=id
                type="text"
                autocomplete=field.autocomplete()
                maxlength=if field == AddressField::Postal { 16 } else { 200 }
                aria-invalid=move || has_error().to_string()
                aria-describedby=move || has_error().then(|| described.clone())
                prop:value=move || address.with(|a| a.get(field).to_owned())
                node_ref=inputs[field as usize]
                on:input=move |ev| {
                    let value = event_target_value(&ev);
                    address.update(|a| *a.slot(field) = value);
                    if errors.with_untracked(|e| e[field as usize].is_some())
                        && address.with_untracked(|a| a.check(field).is_none())
                    {
                        errors.update(|e| e[field as usize] = None);
                    }
                }
            />
            <p class="cp-error" id=error_id aria-live="polite">
                {move || errors.with(|e| e[field as usize].clone())}
            </p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_country_comes_from_the_locale_when_listed() {
        assert_eq!(Address::for_locale("de-DE").country, "DE");
        assert_eq!(Address::for_locale("en-GB").country, "GB");
        assert_eq!(Address::for_locale("pt-BR").country, "US");
        assert_eq!(Address::for_locale("fr").country, "FR");
    }

    #[test]
    fn missing_fields_are_named_and_state_only_where_required() {
        let mut a = Address::for_locale("en-US");
        let missing: Vec<_> = a.problems().into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            missing,
            [
                AddressField::Name,
                AddressField::Line1,
                AddressField::City,
                AddressField::State,
                AddressField::Postal
            ]
        );
        a.country = "DE".into();
        assert!(a.check(AddressField::State).is_none());
        assert!(a.check(AddressField::Line2).is_none());
    }

    #[test]
    fn refusals_read_as_words_not_api_fields() {
        let mut a = Address::for_locale("en-GB");
        assert_eq!(a.refused(AddressField::Postal), "Enter a valid postcode.");
        assert_eq!(a.refused(AddressField::City), "Check this field: City.");
        a.country = "DE".into();
        assert_eq!(
            a.refused(AddressField::Postal),
            "Enter a valid postal code for Germany."
        );
        a.country = "US".into();
        assert_eq!(
            a.refused(AddressField::State),
            "Enter the state or province."
        );
    }

    #[test]
    fn params_map_to_fields() {
        assert_eq!(
            AddressField::from_param("shipping.postal_code"),
            Some(AddressField::Postal)
        );
        assert_eq!(
            AddressField::from_param("shipping.state"),
            Some(AddressField::State)
        );
        assert_eq!(AddressField::from_param("method.number"), None);
        assert_eq!(AddressField::Postal.id(), "cp-ship-postal_code");
    }
}
