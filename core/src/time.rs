//! Calendar arithmetic on Unix seconds. Callers pass the current time in:
//! `SystemTime::now()` panics on wasm32, and tests need fixed clocks.

/// A calendar month, the resolution of card expiry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct YearMonth {
    pub year: i32,
    pub month: u32,
}

/// (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's civil_from_days).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

pub fn year_month(unix_seconds: i64) -> YearMonth {
    let (y, m, _) = civil_from_days(unix_seconds.div_euclid(86_400));
    YearMonth {
        year: y as i32,
        month: m,
    }
}

/// RFC 3339 in UTC with second precision: `2026-11-25T11:47:00Z`.
pub fn rfc3339(unix_seconds: i64) -> String {
    let (y, m, d) = civil_from_days(unix_seconds.div_euclid(86_400));
    let secs = unix_seconds.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_607_220), "2026-11-25T11:47:00Z");
        assert_eq!(rfc3339(4_102_444_799), "2099-12-31T23:59:59Z");
        assert_eq!(
            year_month(1_795_607_220),
            YearMonth {
                year: 2026,
                month: 11
            }
        );
    }
}

pub const DAY: i64 = 86_400;

/// Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// ISO weekday: 1 = Monday … 7 = Sunday.
pub fn weekday(unix_seconds: i64) -> u32 {
    // 1970-01-01 was a Thursday (4).
    ((unix_seconds.div_euclid(DAY) + 3).rem_euclid(7) + 1) as u32
}

/// `2026-11-25`: the UTC day.
pub fn day_key(unix_seconds: i64) -> String {
    rfc3339(unix_seconds)[..10].to_string()
}

/// `2026-11`: the UTC month.
pub fn month_key(unix_seconds: i64) -> String {
    rfc3339(unix_seconds)[..7].to_string()
}

/// `2026-W48`: the ISO 8601 week (weeks start on Monday; week 1 holds the first Thursday).
pub fn iso_week_key(unix_seconds: i64) -> String {
    let days = unix_seconds.div_euclid(DAY);
    let thursday = days - i64::from(weekday(unix_seconds)) + 4;
    let (year, _, _) = civil_from_days(thursday);
    let week = (thursday - days_from_civil(year, 1, 1)) / 7 + 1;
    format!("{year:04}-W{week:02}")
}

/// Adds `n` business days (Monday to Friday, UTC), keeping the time of day: Friday 10:00 plus
/// 3 is Wednesday 10:00; Saturday 10:00 plus 3 is also Wednesday 10:00.
pub fn add_business_days(unix_seconds: i64, n: u32) -> i64 {
    let mut t = unix_seconds;
    let mut left = n;
    while left > 0 {
        t += DAY;
        if weekday(t) <= 5 {
            left -= 1;
        }
    }
    t
}

/// Parses RFC 3339 (`2026-11-25T11:47:00Z`, `...T11:47:00.123+01:00`) to Unix seconds,
/// dropping fractions. `None` for anything else.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(r)?;
        (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())).then(|| s.parse().ok())?
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut rest = &text[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let o = rest.as_bytes();
            if o.len() != 6 || o[3] != b':' {
                return None;
            }
            let (h, m) = (
                rest[1..3].parse::<i64>().ok()?,
                rest[4..6].parse::<i64>().ok()?,
            );
            if h > 23 || m > 59 {
                return None;
            }
            sign * (h * 3600 + m * 60)
        }
    };
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => return None,
    };
    if day < 1 || day > days_in_month || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days = days_from_civil(year, month as u32, day as u32);
    Some(days * DAY + hour * 3600 + minute * 60 + second.min(59) - offset)
}

#[cfg(test)]
mod calendar_tests {
    use super::*;

    #[test]
    fn weekdays_weeks_and_business_days() {
        let wed = parse_rfc3339("2026-11-25T10:00:00Z").unwrap();
        assert_eq!(weekday(wed), 3);
        assert_eq!(iso_week_key(wed), "2026-W48");
        assert_eq!(
            iso_week_key(parse_rfc3339("2021-01-03T00:00:00Z").unwrap()),
            "2020-W53"
        );
        assert_eq!(
            iso_week_key(parse_rfc3339("2024-12-30T00:00:00Z").unwrap()),
            "2025-W01"
        );
        assert_eq!(day_key(wed), "2026-11-25");
        assert_eq!(month_key(wed), "2026-11");
        let fri = parse_rfc3339("2026-11-27T10:00:00Z").unwrap();
        let sat = parse_rfc3339("2026-11-28T10:00:00Z").unwrap();
        let next_wed = parse_rfc3339("2026-12-02T10:00:00Z").unwrap();
        assert_eq!(add_business_days(fri, 3), next_wed);
        assert_eq!(add_business_days(sat, 3), next_wed);
        assert_eq!(
            add_business_days(wed, 3),
            parse_rfc3339("2026-11-30T10:00:00Z").unwrap()
        );
        assert_eq!(
            add_business_days(wed, 5),
            parse_rfc3339("2026-12-02T10:00:00Z").unwrap()
        );
    }

    #[test]
    fn rfc3339_parsing() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(
            parse_rfc3339("2026-11-25T11:47:00.999Z"),
            Some(1_795_607_220)
        );
        for bad in [
            "2026-11-25",
            "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-11-25T11:47:00",
            "x",
            "2026-11-25T11:47:00+1:00",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
        for t in [0, 951_782_400, 1_795_607_220, 4_102_444_799] {
            assert_eq!(parse_rfc3339(&rfc3339(t)), Some(t));
        }
    }
}
