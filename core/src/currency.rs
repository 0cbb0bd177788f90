//! ISO 4217 currencies and their minor-unit exponents.

use std::fmt;

/// Active ISO 4217 codes with their exponent (digits after the decimal point).
/// Funds codes, precious metals and currencies without minor units defined (XXX) are left out.
/// Written by hand so the widget's wasm stays small; `matches_iso_4217_but_for_listed_differences`
/// holds it against the `iso_currency` crate. Withdrawn: ANG (replaced by XCG in 2025) and
/// BGN (replaced by EUR on 2026-01-01); see [`WITHDRAWN`].
const TABLE: &[(&str, u8)] = &[
    ("AED", 2),
    ("AFN", 2),
    ("ALL", 2),
    ("AMD", 2),
    ("AOA", 2),
    ("ARS", 2),
    ("AUD", 2),
    ("AWG", 2),
    ("AZN", 2),
    ("BAM", 2),
    ("BBD", 2),
    ("BDT", 2),
    ("BHD", 3),
    ("BIF", 0),
    ("BMD", 2),
    ("BND", 2),
    ("BOB", 2),
    ("BRL", 2),
    ("BSD", 2),
    ("BTN", 2),
    ("BWP", 2),
    ("BYN", 2),
    ("BZD", 2),
    ("CAD", 2),
    ("CDF", 2),
    ("CHF", 2),
    ("CLP", 0),
    ("CNY", 2),
    ("COP", 2),
    ("CRC", 2),
    ("CUP", 2),
    ("CVE", 2),
    ("CZK", 2),
    ("DJF", 0),
    ("DKK", 2),
    ("DOP", 2),
    ("DZD", 2),
    ("EGP", 2),
    ("ERN", 2),
    ("ETB", 2),
    ("EUR", 2),
    ("FJD", 2),
    ("FKP", 2),
    ("GBP", 2),
    ("GEL", 2),
    ("GHS", 2),
    ("GIP", 2),
    ("GMD", 2),
    ("GNF", 0),
    ("GTQ", 2),
    ("GYD", 2),
    ("HKD", 2),
    ("HNL", 2),
    ("HTG", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("IQD", 3),
    ("IRR", 2),
    ("ISK", 0),
    ("JMD", 2),
    ("JOD", 3),
    ("JPY", 0),
    ("KES", 2),
    ("KGS", 2),
    ("KHR", 2),
    ("KMF", 0),
    ("KPW", 2),
    ("KRW", 0),
    ("KWD", 3),
    ("KYD", 2),
    ("KZT", 2),
    ("LAK", 2),
    ("LBP", 2),
    ("LKR", 2),
    ("LRD", 2),
    ("LSL", 2),
    ("LYD", 3),
    ("MAD", 2),
    ("MDL", 2),
    ("MGA", 2),
    ("MKD", 2),
    ("MMK", 2),
    ("MNT", 2),
    ("MOP", 2),
    ("MRU", 2),
    ("MUR", 2),
    ("MVR", 2),
    ("MWK", 2),
    ("MXN", 2),
    ("MYR", 2),
    ("MZN", 2),
    ("NAD", 2),
    ("NGN", 2),
    ("NIO", 2),
    ("NOK", 2),
    ("NPR", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PAB", 2),
    ("PEN", 2),
    ("PGK", 2),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("PYG", 0),
    ("QAR", 2),
    ("RON", 2),
    ("RSD", 2),
    ("RUB", 2),
    ("RWF", 0),
    ("SAR", 2),
    ("SBD", 2),
    ("SCR", 2),
    ("SDG", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("SHP", 2),
    ("SLE", 2),
    ("SOS", 2),
    ("SRD", 2),
    ("SSP", 2),
    ("STN", 2),
    ("SVC", 2),
    ("SYP", 2),
    ("SZL", 2),
    ("THB", 2),
    ("TJS", 2),
    ("TMT", 2),
    ("TND", 3),
    ("TOP", 2),
    ("TRY", 2),
    ("TTD", 2),
    ("TWD", 2),
    ("TZS", 2),
    ("UAH", 2),
    ("UGX", 0),
    ("USD", 2),
    ("UYU", 2),
    ("UYW", 4),
    ("UZS", 2),
    ("VED", 2),
    ("VES", 2),
    ("VND", 0),
    ("VUV", 0),
    ("WST", 2),
    ("XAF", 0),
    ("XCD", 2),
    ("XCG", 2),
    ("XOF", 0),
    ("XPF", 0),
    ("YER", 2),
    ("ZAR", 2),
    ("ZMW", 2),
    ("ZWG", 2),
];

/// A currency known to ISO 4217. Built only through [`Currency::parse`], so it is always valid.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency(&'static str, u8);

/// Codes no longer taken for new amounts, which records made before their withdrawal may
/// still carry: [`Currency::parse_stored`] reads them, so old orders stay readable.
const WITHDRAWN: &[(&str, u8)] = &[("ANG", 2), ("BGN", 2)];

impl Currency {
    /// Accepts the three-letter code in upper case, as the API documents it.
    pub fn parse(code: &str) -> Option<Currency> {
        TABLE
            .iter()
            .find(|(c, _)| *c == code)
            .map(|&(c, e)| Currency(c, e))
    }

    /// A code read back from storage: any current code, or one withdrawn since it was
    /// stored.
    pub fn parse_stored(code: &str) -> Option<Currency> {
        Currency::parse(code).or_else(|| {
            WITHDRAWN
                .iter()
                .find(|(c, _)| *c == code)
                .map(|&(c, e)| Currency(c, e))
        })
    }

    pub fn code(self) -> &'static str {
        self.0
    }

    /// Number of digits after the decimal point (ISO 4217 minor unit).
    pub fn exponent(self) -> u32 {
        u32::from(self.1)
    }

    pub fn all() -> impl Iterator<Item = Currency> {
        TABLE.iter().map(|&(c, e)| Currency(c, e))
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn codes(list: &serde_json::Value) -> BTreeSet<&str> {
        list.as_array()
            .expect("a list of codes")
            .iter()
            .map(|c| c.as_str().expect("a code"))
            .collect()
    }

    /// docs/openapi.json lists exactly this table's codes, and its per-currency amount
    /// patterns group them by this table's exponents: a code added or withdrawn here fails
    /// until the document follows (schemathesis generates amounts from those patterns).
    #[test]
    fn openapi_document_lists_exactly_these_currencies() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json");
        let text = std::fs::read_to_string(path).expect("docs/openapi.json exists");
        let doc: serde_json::Value =
            serde_json::from_str(&text).expect("docs/openapi.json is JSON");
        let schemas = &doc["components"]["schemas"];
        let table: BTreeSet<&str> = TABLE.iter().map(|(code, _)| *code).collect();
        assert_eq!(codes(&schemas["Currency"]["enum"]), table, "Currency.enum");
        let mut grouped = BTreeSet::new();
        let clauses = schemas["PaymentRequestCreate"]["allOf"]
            .as_array()
            .expect("PaymentRequestCreate.allOf");
        for clause in clauses {
            let listed = codes(&clause["if"]["properties"]["currency"]["enum"]);
            let first = listed.first().expect("a clause names currencies");
            let exponent = Currency::parse(first).expect("a listed code").1;
            let same: BTreeSet<&str> = TABLE
                .iter()
                .filter(|(_, e)| *e == exponent)
                .map(|(code, _)| *code)
                .collect();
            assert_eq!(listed, same, "the clause with exponent {exponent}");
            grouped.extend(listed);
        }
        assert_eq!(grouped, table, "every currency has an amount pattern");
    }

    #[test]
    fn exponents_follow_iso_4217() {
        assert_eq!(Currency::parse("JPY").unwrap().exponent(), 0);
        assert_eq!(Currency::parse("KRW").unwrap().exponent(), 0);
        assert_eq!(Currency::parse("BHD").unwrap().exponent(), 3);
        assert_eq!(Currency::parse("KWD").unwrap().exponent(), 3);
        assert_eq!(Currency::parse("USD").unwrap().exponent(), 2);
        assert_eq!(Currency::parse("EUR").unwrap().exponent(), 2);
    }

    #[test]
    fn rejects_unknown_and_lowercase() {
        for code in ["usd", "XXX", "US", "USDD", "", "ABC", "XAU"] {
            assert!(Currency::parse(code).is_none(), "{code}");
        }
    }

    /// Where our table and the `iso_currency` crate deliberately differ, and why.
    /// Codes the crate lists that we do not take, grouped by the crate's own flag.
    const NOT_TAKEN_FUNDS: &[&str] = &[
        // Funds codes: units of account for indexation or settlement, never a price.
        "BOV", "CHE", "CHW", "CLF", "COU", "MXV", "USN", "UYI",
    ];
    const NOT_TAKEN_SPECIAL: &[&str] = &[
        // Precious metals (XAG, XAU, XPD, XPT), units of account (XAD, XBA-XBD, XDR, XSU,
        // XUA), the testing code XTS and XXX, "no currency".
        "XAD", "XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT", "XSU", "XTS", "XUA",
        "XXX",
    ];
    const NOT_TAKEN_SUPERSEDED: &[&str] = &[
        // Withdrawn currencies the crate keeps for history: BGN (by EUR, 2026-01-01),
        // CUC (by CUP), HRK (by EUR, 2023), SLL (by SLE), ZWL (by ZWG).
        "BGN", "CUC", "HRK", "SLL", "ZWL",
    ];
    /// Codes we take although the crate flags them.
    const TAKEN_DESPITE_FLAG: &[&str] = &[
        // ISO 4217 lists UYW (Unidad Previsional, 4 decimals) without the fund mark it
        // gives UYI; the crate calls it a fund. Our table took it before this check.
        "UYW",
        // The crate marks VES superseded by VED, but ISO 4217 lists both (VED was added in
        // 2021 beside VES, not in its place).
        "VES",
    ];

    /// Every currency the crate knows. Its numeric codes are unique, so walking them
    /// lists it whole without the crate's `iterator` feature (and its derive macros).
    fn crate_currencies() -> Vec<iso_currency::Currency> {
        (0..=999)
            .filter_map(iso_currency::Currency::from_numeric)
            .collect()
    }

    #[test]
    fn matches_iso_4217_but_for_listed_differences() {
        use std::collections::BTreeSet;
        let theirs = crate_currencies();
        let known = |code: &str| theirs.iter().find(|c| c.code() == code).copied();

        let mut not_taken = BTreeSet::new();
        for c in &theirs {
            if Currency::parse(c.code()).is_none() {
                not_taken.insert(c.code());
            }
        }
        let listed: BTreeSet<&str> = NOT_TAKEN_FUNDS
            .iter()
            .chain(NOT_TAKEN_SPECIAL)
            .chain(NOT_TAKEN_SUPERSEDED)
            .copied()
            .collect();
        assert_eq!(
            not_taken, listed,
            "the crate lists codes we do not take: add them to the table, or to a NOT_TAKEN list with the reason"
        );
        // Each reason is the crate's own flag, so a code cannot hide in the wrong list.
        for code in NOT_TAKEN_FUNDS {
            assert!(known(code).unwrap().is_fund(), "{code}");
        }
        for code in NOT_TAKEN_SPECIAL {
            assert!(known(code).unwrap().is_special(), "{code}");
        }
        for code in NOT_TAKEN_SUPERSEDED {
            assert!(known(code).unwrap().is_superseded().is_some(), "{code}");
        }

        for ours in Currency::all() {
            let Some(c) = known(ours.code()) else {
                panic!("{} is not in the crate's ISO 4217 list", ours.code());
            };
            assert_eq!(
                c.exponent().map(u32::from),
                Some(ours.exponent()),
                "exponent of {}",
                ours.code()
            );
            let flagged = c.is_fund() || c.is_special() || c.is_superseded().is_some();
            assert_eq!(
                flagged,
                TAKEN_DESPITE_FLAG.contains(&ours.code()),
                "{}: the crate flags it fund, special or superseded",
                ours.code()
            );
        }
    }

    #[test]
    fn recent_iso_4217_changes() {
        assert_eq!(Currency::parse("XCG").unwrap().exponent(), 2);
        assert_eq!(Currency::parse("VED").unwrap().exponent(), 2);
        assert!(Currency::parse("VES").is_some());
        assert!(Currency::parse("ANG").is_none());
        assert!(Currency::parse("BGN").is_none());
    }

    #[test]
    fn table_is_sorted_and_unique() {
        for w in TABLE.windows(2) {
            assert!(w[0].0 < w[1].0, "{} before {}", w[0].0, w[1].0);
        }
    }
}
