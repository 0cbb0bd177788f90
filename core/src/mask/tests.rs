//! The masking rule, case by case and by property.

use super::*;
use crate::iban::Iban;
use proptest::prelude::*;

fn mask(text: &str) -> String {
    mask_card_numbers(text).into_owned()
}

/// `body` with the one digit appended that makes it Luhn-valid.
fn with_check_digit(body: &str) -> String {
    (0..10)
        .map(|d| format!("{body}{d}"))
        .find(|n| luhn_valid(n))
        .unwrap()
}

fn full_width(ascii: &str) -> String {
    ascii
        .chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(0xFF10 + u32::from(c) - u32::from('0')).unwrap(),
            other => other,
        })
        .collect()
}

#[test]
fn masks_all_but_the_last_four_and_keeps_separators() {
    let cases = [
        ("5555 5555 5555 4444", "•••• •••• •••• 4444"),
        ("4242424242424242", "••••••••••••4242"),
        ("3782 822463 10005", "•••• •••••• •0005"),
        ("378282246310005", "•••••••••••0005"),
        ("4242-4242-4242-4242", "••••-••••-••••-4242"),
        ("4242.4242.4242.4242", "••••.••••.••••.4242"),
        (
            "pay with 4242 4242 4242 4242 please",
            "pay with •••• •••• •••• 4242 please",
        ),
        ("卡号4242424242424242谢谢", "卡号••••••••••••4242谢谢"),
        (
            "カード番号：4242 4242 4242 4242。",
            "カード番号：•••• •••• •••• 4242。",
        ),
        ("(4242424242424242)", "(••••••••••••4242)"),
        ("-4242424242424242-", "-••••••••••••4242-"),
        ("card: 4242424242424242.", "card: ••••••••••••4242."),
        ("6759649826438453", "••••••••••••8453"),
    ];
    for (text, want) in cases {
        assert_eq!(mask(text), want, "{text}");
        assert!(contains_card_number(text), "{text}");
    }
}

#[test]
fn full_width_digits_are_digits() {
    let typed = full_width("4242 4242 4242 4242");
    assert_eq!(
        mask(&typed),
        format!("•••• •••• •••• {}", full_width("4242"))
    );
    let mixed = format!("4242 {} 4242", full_width("4242 4242"));
    assert_eq!(mask(&mixed), "•••• •••• •••• 4242");
    assert_eq!(
        mask(&format!("卡号{}", full_width("5555555555554444"))),
        format!("卡号••••••••••••{}", full_width("4444"))
    );
}

#[test]
fn spans_are_byte_ranges_of_the_digits() {
    let text = "卡号4242 4242 4242 4242 and 5555555555554444";
    let spans = card_number_spans(text);
    assert_eq!(spans.len(), 2);
    assert_eq!(&text[spans[0].clone()], "4242 4242 4242 4242");
    assert_eq!(&text[spans[1].clone()], "5555555555554444");
}

#[test]
fn several_numbers_in_one_text() {
    assert_eq!(
        mask("visa 4242424242424242, mc 5555-5555-5555-4444, amex 378282246310005"),
        "visa ••••••••••••4242, mc ••••-••••-••••-4444, amex •••••••••••0005"
    );
}

#[test]
fn neighbours_that_make_a_larger_token() {
    for text in [
        "order A4242424242424242",
        "4242424242424242B",
        "+4242424242424242",
        "4242424242424242+",
        "12/4242424242424242",
        "4242424242424242/1",
        "²4242424242424242",
        "٣4242424242424242",
        "a4242424242424242",
    ] {
        assert_eq!(mask(text), text, "{text}");
        assert!(!contains_card_number(text), "{text}");
    }
}

#[test]
fn runs_of_the_wrong_length_or_checksum() {
    let twenty = with_check_digit("4242424242424242424");
    let twenty_spaced = "4242 4242 4242 4242 4242";
    let eleven = with_check_digit("4242424242");
    let twelve = with_check_digit("42424242424");
    for text in [
        twenty.as_str(),
        twenty_spaced,
        &format!("x {twenty} y"),
        eleven.as_str(),
        "4242424242424241",
        "4242 4242 4242 4241",
        // Luhn-valid, 16 digits, but no brand starts with 1.
        &with_check_digit("123456781234567"),
        // Two separators in a row end the run: two short runs.
        "4242 4242  4242 4242",
        "42424242--42424242",
        "4242, 4242, 4242, 4242",
        "",
        "no digits at all",
    ] {
        assert_eq!(mask(text), text, "{text:?}");
    }
    assert_eq!(mask(&twelve), format!("••••••••{}", &twelve[8..]));
    // After a double separator, a 12-digit rest can still be a card on its own.
    assert_eq!(mask("4242--4242-4242-4242"), "4242--••••-••••-4242");
    // A 20-digit run is not split into a 16-digit card and the rest.
    assert_eq!(mask("42424242424242420000"), "42424242424242420000");
}

#[test]
fn a_luhn_valid_order_number_with_a_card_prefix_is_masked() {
    // Documented: the rule cannot tell this from a card, and masks it.
    let order = with_check_digit("400012345678901");
    assert_eq!(
        mask(&format!("order #{order}")),
        format!("order #••••••••••••{}", &order[12..])
    );
}

/// A GB IBAN whose account digits are also a Luhn-valid Visa-prefixed run.
fn gb_iban_with_card_like_digits() -> (String, String) {
    let digits = with_check_digit("4242424242424");
    let bban = format!("NWBK{digits}");
    let rem = crate::iban::iban_mod97(&format!("GB00{bban}")).unwrap();
    let iban = format!("GB{:02}{bban}", 98 - rem);
    (iban, digits)
}

#[test]
fn ibans_are_not_card_numbers() {
    let (iban, digits) = gb_iban_with_card_like_digits();
    assert!(Iban::parse(&iban).is_ok());
    assert_eq!(digits.len(), 14);
    // Grouped by four, the digit run stands apart from the letters.
    let spaced: Vec<String> = iban
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    let spaced = spaced.join(" ");
    assert!(contains_card_number(&spaced[10..]), "{spaced}");
    for text in [
        spaced.clone(),
        format!("pay to {spaced} thanks"),
        format!("IBAN: {spaced}."),
        iban.clone(),
        "GB29 NWBK 6016 1331 9268 19".to_owned(),
    ] {
        assert_eq!(mask(&text), text, "{text}");
    }
    // A token that fails the IBAN check protects nothing.
    let bad = spaced.replacen("GB", "GC", 1);
    assert_ne!(mask(&bad), bad);
    let bad_check = format!("GB00{}", &spaced[4..]);
    assert_ne!(mask(&bad_check), bad_check);
    // The card number beside the IBAN is still masked.
    assert_eq!(
        mask(&format!("{spaced} / 4242 4242 4242 4242")),
        format!("{spaced} / •••• •••• •••• 4242")
    );
}

#[test]
fn a_number_running_out_of_an_iban_unshields_the_rest() {
    // KW is 4 letters then 22 letters or digits: room for a card-like run inside the
    // BBAN (shielded) and a second run that starts inside and ends after the IBAN.
    let inner = with_check_digit("42424242424");
    let bban = format!("NBOK{inner}ABCD412345");
    let rem = crate::iban::iban_mod97(&format!("KW00{bban}")).unwrap();
    let iban = format!("KW{:02}{bban}", 98 - rem);
    assert!(Iban::parse(&iban).is_ok());
    let spaced = iban
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(" ");
    let leaving = with_check_digit("412345678901234");
    let text = format!("{spaced} {}", &leaving[6..]);
    // By the rule, only the run leaving the IBAN is a card number...
    let spans = card_number_spans(&text);
    assert_eq!(spans.len(), 1);
    assert_eq!(text[spans[0].clone()].replace(' ', ""), leaving);
    // ...but once it is masked the IBAN is gone, so the inner run is masked as well.
    let once = mask(&text);
    assert_eq!(
        once.matches(MASK_CHAR).count(),
        (16 - 4) + (12 - 4),
        "{once}"
    );
    assert_eq!(mask(&once), once);
    assert!(!contains_card_number(&once));
}

#[test]
fn text_without_a_card_is_borrowed() {
    for text in ["hello", "call 555-0100", "卡号", "4242424242424241"] {
        assert!(
            matches!(mask_card_numbers(text), Cow::Borrowed(_)),
            "{text}"
        );
    }
}

/// Text pieces the properties mix: cards, near misses, separators and neighbours.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("4242424242424242".to_owned()),
        Just("5555 5555 5555 4444".to_owned()),
        Just("3782-822463-10005".to_owned()),
        Just(full_width("6759649826438453")),
        Just("GB29 NWBK 6016 1331 9268 19".to_owned()),
        "[0-9]{1,20}",
        "[ .\\-+/a-zA-Z]{1,3}",
        "[卡号谢ー•０-９]{1,3}",
        "\\PC{0,6}",
    ]
}

fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(piece(), 0..8).prop_map(|pieces| pieces.concat())
}

fn valid_card() -> impl Strategy<Value = String> {
    let prefixes = prop_oneof![
        Just("4"),
        Just("51"),
        Just("2221"),
        Just("34"),
        Just("6011"),
        Just("36"),
        Just("3528"),
        Just("62"),
        Just("5018"),
        Just("6759"),
    ];
    (prefixes, 12usize..=19, "[0-9]{19}").prop_map(|(prefix, len, fill)| {
        with_check_digit(&format!("{prefix}{}", &fill[..len - 1 - prefix.len()]))
    })
}

proptest! {
    #[test]
    fn masking_keeps_the_char_count(s in text()) {
        prop_assert_eq!(mask(&s).chars().count(), s.chars().count());
    }

    #[test]
    fn masking_is_idempotent(s in text()) {
        let once = mask(&s);
        prop_assert_eq!(mask(&once), once.clone());
    }

    #[test]
    fn nothing_is_left_to_find_after_masking(s in text()) {
        prop_assert!(!contains_card_number(&mask(&s)));
    }

    #[test]
    fn text_without_digits_is_borrowed_unchanged(s in "[^0-9０-９]{0,40}") {
        let out = mask_card_numbers(&s);
        prop_assert!(matches!(out, Cow::Borrowed(_)));
        prop_assert_eq!(out.as_ref(), s.as_str());
    }

    #[test]
    fn a_valid_card_between_spaces_is_masked(
        card in valid_card(),
        before in "[a-z卡号 ]{0,5}",
        after in "[a-z谢 ]{0,5}",
    ) {
        let text = format!("{before} {card} {after}");
        let out = mask(&text);
        let masked = format!("{before} {}{} {after}", "•".repeat(card.len() - 4), &card[card.len() - 4..]);
        prop_assert_eq!(out, masked);
        prop_assert_eq!(card_number_spans(&text).len(), 1);
    }

    #[test]
    fn masking_never_panics(s in "\\PC{0,60}") {
        let _ = mask(&s);
        let _ = card_number_spans(&s);
    }
}

/// The table the browser test runs through `ChatPay.maskCardNumbers` too, so the edge, the
/// widget and the mask module are held to the same cases.
const SHARED_CASES: &str = include_str!("../../../tests/data/mask-cases.json");

#[test]
fn the_shared_table() {
    let doc: serde_json::Value = serde_json::from_str(SHARED_CASES).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    let field = |case: &serde_json::Value, name: &str| case[name].as_str().unwrap().to_owned();
    let masked = cases
        .iter()
        .filter(|case| case["input"] != case["expected"])
        .count();
    assert!(cases.len() >= 100, "{} cases", cases.len());
    assert!(masked * 2 >= cases.len() - 10 && masked * 2 <= cases.len() + 10);
    let wrong: Vec<String> = cases
        .iter()
        .map(|case| (field(case, "input"), field(case, "expected")))
        .filter(|(input, expected)| mask(input) != *expected)
        .map(|(input, expected)| format!("{input:?}: got {:?}, want {expected:?}", mask(&input)))
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    for case in cases {
        let expected = field(case, "expected");
        assert!(!contains_card_number(&expected), "{expected:?}");
    }
}
