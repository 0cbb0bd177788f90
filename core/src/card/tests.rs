//! Card checks: brands, Luhn, input formatting, numbers, expiries and CVCs.

use super::*;
use proptest::prelude::*;

const NOW: YearMonth = YearMonth {
    year: 2026,
    month: 11,
};

#[test]
fn luhn_known_numbers() {
    for n in [
        "4242424242424242",
        "5555555555554444",
        "378282246310005",
        "6011111111111117",
        "3056930009020004",
        "3566002020360505",
        "6200000000000005",
        "4000000000000002",
        "4000000000009995",
        "4000000000000069",
        "4000000000000127",
        "4000000000000119",
        "2223003122003222",
    ] {
        assert!(luhn_valid(n), "{n}");
        assert!(CardNumber::parse(n).is_ok(), "{n}");
    }
    assert!(!luhn_valid("4242424242424241"));
    assert!(!luhn_valid(""));
    assert!(!luhn_valid("42a2"));
}

#[test]
fn brand_table() {
    let cases = [
        ("4", Some(Brand::Visa)),
        ("51", Some(Brand::Mastercard)),
        ("55", Some(Brand::Mastercard)),
        ("2221", Some(Brand::Mastercard)),
        ("2720", Some(Brand::Mastercard)),
        ("2721", None),
        ("34", Some(Brand::Amex)),
        ("37", Some(Brand::Amex)),
        ("6011", Some(Brand::Discover)),
        ("644", Some(Brand::Discover)),
        ("65", Some(Brand::Discover)),
        ("622126", Some(Brand::Discover)),
        ("622925", Some(Brand::Discover)),
        ("622127", Some(Brand::Discover)),
        ("620000", Some(Brand::UnionPay)),
        ("3528", Some(Brand::Jcb)),
        ("3589", Some(Brand::Jcb)),
        ("300", Some(Brand::Diners)),
        ("36", Some(Brand::Diners)),
        ("5018", Some(Brand::Maestro)),
        ("5020", Some(Brand::Maestro)),
        ("5038", Some(Brand::Maestro)),
        ("5893", Some(Brand::Maestro)),
        ("6304", Some(Brand::Maestro)),
        ("6759", Some(Brand::Maestro)),
        ("6761", Some(Brand::Maestro)),
        ("6763", Some(Brand::Maestro)),
        ("5019", None),
        ("6760", None),
        ("6764", None),
        ("501", None),
        ("1", None),
        ("", None),
    ];
    for (prefix, brand) in cases {
        assert_eq!(detect_brand(prefix), brand, "{prefix}");
    }
}

/// `body` with the one digit appended that makes it Luhn-valid.
fn with_check_digit(body: &str) -> String {
    (0..10)
        .map(|d| format!("{body}{d}"))
        .find(|n| luhn_valid(n))
        .unwrap()
}

#[test]
fn maestro_at_every_length() {
    for known in ["6759649826438453", "6304000000000000"] {
        assert_eq!(CardNumber::parse(known).unwrap().brand(), Brand::Maestro);
    }
    for prefix in [
        "5018", "5020", "5038", "5893", "6304", "6759", "6761", "6762", "6763",
    ] {
        for len in 12..=19 {
            let body = format!("{prefix}{}", "3".repeat(len - 5));
            let number = with_check_digit(&body);
            let parsed = CardNumber::parse(&number).unwrap_or_else(|e| panic!("{number}: {e}"));
            assert_eq!(parsed.brand(), Brand::Maestro, "{number}");
            assert_eq!(parsed.last4(), &number[len - 4..]);
        }
        // Eleven digits is too short even for Maestro.
        let short = with_check_digit(&format!("{prefix}333333"));
        assert_eq!(
            CardNumber::parse(&short).unwrap_err(),
            CardError::NumberLength
        );
    }
    assert_eq!(Brand::from_wire("maestro"), Some(Brand::Maestro));
    assert_eq!(Brand::Maestro.to_string(), "Maestro");
    assert_eq!(Brand::Maestro.cvc_length(), 3);
    assert_eq!(
        format_number_input("6759649826438453123"),
        "6759 6498 2643 8453 123"
    );
}

/// Which brands claim a six-digit prefix, by the raw table (not first match).
fn claimants(prefix: u32) -> Vec<Brand> {
    let mut brands: Vec<Brand> = RANGES
        .iter()
        .filter(|r| (r.lo..=r.hi).contains(&(prefix / 10u32.pow(6 - r.len as u32))))
        .map(|r| r.brand)
        .collect();
    brands.dedup();
    brands
}

#[test]
fn table_overlaps_only_where_documented() {
    for prefix in 100_000..=999_999 {
        let brands = claimants(prefix);
        if brands.len() > 1 {
            assert_eq!(
                brands,
                [Brand::Discover, Brand::UnionPay],
                "{prefix} is claimed by {brands:?}"
            );
            assert!((622_126..=622_925).contains(&prefix), "{prefix}");
        }
    }
}

#[test]
fn wire_names_round_trip() {
    for brand in Brand::ALL {
        assert_eq!(Brand::from_wire(brand.as_str()), Some(brand));
    }
    assert_eq!(Brand::from_wire("Maestro"), None);
}

#[test]
fn number_errors() {
    assert_eq!(CardNumber::parse("").unwrap_err(), CardError::NumberMissing);
    assert_eq!(
        CardNumber::parse("4242-4242").unwrap_err(),
        CardError::NumberFormat
    );
    assert_eq!(
        CardNumber::parse("4242424242424241").unwrap_err(),
        CardError::NumberLuhn
    );
    assert_eq!(
        CardNumber::parse("424242424242").unwrap_err(),
        CardError::NumberLength
    );
    assert_eq!(
        CardNumber::parse("1234567812345670").unwrap_err(),
        CardError::BrandUnsupported
    );
    let n = CardNumber::parse("4242 4242 4242 4242").unwrap();
    assert_eq!(n.last4(), "4242");
    assert_eq!(n.brand(), Brand::Visa);
    assert!(!format!("{n:?}").contains("4242424242424242"));
}

#[test]
fn grouping_while_typing() {
    assert_eq!(
        format_number_input("4242424242424242"),
        "4242 4242 4242 4242"
    );
    assert_eq!(format_number_input("42424"), "4242 4");
    assert_eq!(format_number_input("378282246310005"), "3782 822463 10005");
    assert_eq!(
        format_number_input("3782822463100059999"),
        "3782 822463 10005"
    );
    assert_eq!(format_number_input("4242-4242 abc 4"), "4242 4242 4");
    assert_eq!(format_number_input(""), "");
}

#[test]
fn expiry_rules() {
    assert!(Expiry::new(11, 2026, NOW).is_ok());
    assert_eq!(Expiry::new(10, 2026, NOW), Err(CardError::ExpiryPast));
    assert_eq!(Expiry::new(13, 2030, NOW), Err(CardError::ExpiryMonth));
    assert_eq!(Expiry::new(0, 2030, NOW), Err(CardError::ExpiryMonth));
    assert_eq!(Expiry::new(1, 30, NOW), Err(CardError::ExpiryYear));
    assert_eq!(Expiry::new(1, 2099, NOW), Err(CardError::ExpiryYear));
    assert_eq!(
        Expiry::parse_mm_yy("12/34", NOW),
        Ok(Expiry {
            month: 12,
            year: 2034
        })
    );
    assert_eq!(
        Expiry::parse_mm_yy("1234", NOW),
        Ok(Expiry {
            month: 12,
            year: 2034
        })
    );
    assert_eq!(
        Expiry::parse_mm_yy("01 / 30", NOW),
        Ok(Expiry {
            month: 1,
            year: 2030
        })
    );
    assert_eq!(
        Expiry::parse_mm_yy("10/26", NOW),
        Err(CardError::ExpiryPast)
    );
    assert_eq!(
        Expiry::parse_mm_yy("1/2030", NOW),
        Err(CardError::ExpiryFormat)
    );
    assert_eq!(
        Expiry::parse_mm_yy("ab/cd", NOW),
        Err(CardError::ExpiryFormat)
    );
}

#[test]
fn cvc_length_follows_brand() {
    assert!(Cvc::parse("123", Brand::Visa).is_ok());
    assert_eq!(
        Cvc::parse("1234", Brand::Visa).unwrap_err(),
        CardError::CvcLength { expected: 3 }
    );
    assert!(Cvc::parse("1234", Brand::Amex).is_ok());
    assert_eq!(
        Cvc::parse("123", Brand::Amex).unwrap_err(),
        CardError::CvcLength { expected: 4 }
    );
    assert_eq!(
        Cvc::parse("12a", Brand::Visa).unwrap_err(),
        CardError::CvcFormat
    );
}

proptest! {
    #[test]
    fn appending_the_check_digit_makes_luhn_valid(body in "[0-9]{11,18}") {
        let valid = (0..10).map(|d| format!("{body}{d}")).filter(|n| luhn_valid(n)).count();
        prop_assert_eq!(valid, 1);
    }

    #[test]
    fn formatting_keeps_digits_in_order(s in "[0-9 ]{0,30}") {
        let out = format_number_input(&s);
        let want: String = s.chars().filter(char::is_ascii_digit).collect();
        let got: String = out.chars().filter(char::is_ascii_digit).collect();
        prop_assert!(want.starts_with(&got));
    }
}
