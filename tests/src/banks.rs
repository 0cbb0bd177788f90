//! Bank account numbers the tests type, like `cards` for card numbers: every one is a needle
//! for the leak scan, valid or not, since a rejected number must not be kept either.

/// Valid IBANs (mod 97 and length), as a seller would paste them.
pub const IBAN_DE: &str = "DE89370400440532013000";
pub const IBAN_GB: &str = "GB82WEST12345698765432";
pub const IBAN_FR: &str = "FR1420041010050500013M02606";
/// `IBAN_DE` with its last digit changed: fails mod 97.
pub const IBAN_BAD_CHECKSUM: &str = "DE89370400440532013001";
/// `IBAN_DE` one digit short.
pub const IBAN_BAD_LENGTH: &str = "DE8937040044053201300";

/// ABA routing numbers: valid (JPMorgan Chase, NY) and with the check digit off by one.
pub const ROUTING: &str = "021000021";
pub const ROUTING_BAD_CHECKSUM: &str = "021000022";
/// US account numbers.
pub const US_ACCOUNT: &str = "000123456789";
pub const US_ACCOUNT_2: &str = "987654321012";

/// Each IBAN as typed, in groups of four (as printed on statements), and its account part
/// (the BBAN past the bank code, long enough to be a needle on its own); each US account
/// number. Routing numbers are public and not searched for.
pub fn bank_account_needles() -> Vec<String> {
    let mut out = Vec::new();
    for iban in [
        IBAN_DE,
        IBAN_GB,
        IBAN_FR,
        IBAN_BAD_CHECKSUM,
        IBAN_BAD_LENGTH,
    ] {
        out.push(iban.to_owned());
        out.push(grouped(iban));
        out.push(iban[12..].to_owned());
    }
    out.extend([US_ACCOUNT, US_ACCOUNT_2].map(str::to_owned));
    out
}

/// "DE89 3704 0044 0532 0130 00".
pub fn grouped(iban: &str) -> String {
    iban.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needles_are_long_enough_to_mean_something() {
        assert_eq!(grouped(IBAN_DE), "DE89 3704 0044 0532 0130 00");
        for needle in bank_account_needles() {
            assert!(needle.len() >= 9, "{needle}");
        }
    }
}
