//! Which of the card's languages a buyer gets, from a BCP 47 tag or from the browser's
//! list of them (`navigator.languages`). Pure, so the widget and its tests agree.
//!
//! Rules: case does not matter and `_` stands for `-`; a region variant falls back to
//! its language (`es-MX` → `es`); `zh`, `zh-CN`, `zh-SG` and `zh-Hans*` use `zh-CN`;
//! `zh-TW`, `zh-HK`, `zh-MO` and `zh-Hant*` use English until a Traditional Chinese
//! catalogue exists; an unknown tag gives way to the next one in the list, and an
//! exhausted list to English.

/// A language the card speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    ZhCn,
    Es,
    De,
    Ja,
    Ar,
}

/// Writing direction of a language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    Ltr,
    Rtl,
}

impl Lang {
    /// Every language, English first.
    pub const ALL: [Lang; 6] = [Lang::En, Lang::ZhCn, Lang::Es, Lang::De, Lang::Ja, Lang::Ar];

    /// The tag of the catalogue, also what `<html lang>` gets.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
            Lang::Es => "es",
            Lang::De => "de",
            Lang::Ja => "ja",
            Lang::Ar => "ar",
        }
    }

    /// The language's writing direction.
    pub fn dir(self) -> Dir {
        match self {
            Lang::Ar => Dir::Rtl,
            _ => Dir::Ltr,
        }
    }
}

impl Dir {
    /// The value of the HTML `dir` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            Dir::Ltr => "ltr",
            Dir::Rtl => "rtl",
        }
    }
}

/// What one tag means on its own: `Some` language, an explicit English (Traditional
/// Chinese), or `None` for a tag the card does not know.
fn one(tag: &str) -> Option<Lang> {
    let tag = tag.trim().replace('_', "-").to_ascii_lowercase();
    let mut parts = tag.split('-').filter(|p| !p.is_empty());
    let lang = parts.next()?;
    let rest: Vec<&str> = parts.collect();
    match lang {
        "en" => Some(Lang::En),
        "es" => Some(Lang::Es),
        "de" => Some(Lang::De),
        "ja" => Some(Lang::Ja),
        "ar" => Some(Lang::Ar),
        "zh" => {
            // The script subtag, when given, decides; else the region does.
            if rest.contains(&"hant") {
                return Some(Lang::En);
            }
            if rest.contains(&"hans") {
                return Some(Lang::ZhCn);
            }
            if rest.iter().any(|p| matches!(*p, "tw" | "hk" | "mo")) {
                Some(Lang::En)
            } else {
                Some(Lang::ZhCn)
            }
        }
        _ => None,
    }
}

/// The language for one tag, English when the card does not know it.
pub fn resolve(tag: &str) -> Lang {
    one(tag).unwrap_or(Lang::En)
}

/// The language for a list of tags in order of preference: the first one known.
pub fn resolve_list<'a>(tags: impl IntoIterator<Item = &'a str>) -> Lang {
    tags.into_iter().find_map(one).unwrap_or(Lang::En)
}

/// The language whose catalogue tag is exactly `tag` (as resolved before), if any.
pub fn from_tag(tag: &str) -> Option<Lang> {
    Lang::ALL.into_iter().find(|l| l.tag() == tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same table is checked against boot.js's copy of these rules.
    pub const CASES: &[(&str, &str)] = &[
        ("en", "en"),
        ("en-US", "en"),
        ("EN-gb", "en"),
        ("es", "es"),
        ("es-MX", "es"),
        ("es_419", "es"),
        ("de-DE", "de"),
        ("de-CH", "de"),
        ("ja", "ja"),
        ("ja-JP", "ja"),
        ("ar", "ar"),
        ("ar-EG", "ar"),
        ("zh", "zh-CN"),
        ("zh-CN", "zh-CN"),
        ("zh_cn", "zh-CN"),
        ("zh-SG", "zh-CN"),
        ("zh-Hans", "zh-CN"),
        ("zh-Hans-HK", "zh-CN"),
        ("zh-TW", "en"),
        ("zh-HK", "en"),
        ("zh-Hant", "en"),
        ("zh-Hant-CN", "en"),
        ("fr-FR", "en"),
        ("", "en"),
        ("  ", "en"),
    ];

    #[test]
    fn single_tags() {
        for (tag, want) in CASES {
            assert_eq!(resolve(tag).tag(), *want, "{tag}");
        }
    }

    #[test]
    fn lists_skip_unknown_tags() {
        assert_eq!(resolve_list(["fr-FR", "de-AT", "en"]), Lang::De);
        assert_eq!(resolve_list(["fr", "it"]), Lang::En);
        assert_eq!(resolve_list([]), Lang::En);
        // Traditional Chinese is known (as English), so it stops the search.
        assert_eq!(resolve_list(["zh-TW", "ja"]), Lang::En);
    }

    #[test]
    fn direction_and_tags() {
        assert_eq!(Lang::Ar.dir(), Dir::Rtl);
        assert_eq!(Lang::Ar.dir().as_str(), "rtl");
        for l in Lang::ALL {
            assert_eq!(from_tag(l.tag()), Some(l));
            if l != Lang::Ar {
                assert_eq!(l.dir(), Dir::Ltr);
            }
        }
        assert_eq!(from_tag("zh"), None);
    }
}
