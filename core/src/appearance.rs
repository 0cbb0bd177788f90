//! The card's appearance: `{"theme":"light|dark|auto","variables":{...}}` from the host.
//!
//! Only a documented list of variables is accepted, each parsed into a value that cannot
//! end a CSS declaration. A variable that is invalid, or that would break WCAG AA contrast
//! (4.5:1 for text), is refused on its own: the card keeps its default for it and the
//! refusal names it (`variables.colorPrimary`).
//!
//! Variables: `colorPrimary` (Pay button background, white text on it), `colorBackground`,
//! `colorText`, `colorDanger` (error text on the background): `#rgb` or `#rrggbb`;
//! `borderRadius`: 0–32px; `fontSizeBase`: 12–24px or 0.75–1.5rem/em;
//! `fontFamily`: a comma list of quoted or bare names.

use serde_json::Value;

/// The card's theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    #[default]
    Light,
    Dark,
    Auto,
}

impl Theme {
    /// The CSS `color-scheme` value for this theme.
    pub fn color_scheme(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
            Theme::Auto => "light dark",
        }
    }
}

/// An sRGB colour parsed from `#rgb` or `#rrggbb`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Color(pub u8, pub u8, pub u8);

impl Color {
    pub fn parse(s: &str) -> Option<Color> {
        let hex = s.strip_prefix('#')?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let v = |h: &str| u8::from_str_radix(h, 16).ok();
        match hex.len() {
            3 => Some(Color(
                v(&hex[0..1])? * 17,
                v(&hex[1..2])? * 17,
                v(&hex[2..3])? * 17,
            )),
            6 => Some(Color(v(&hex[0..2])?, v(&hex[2..4])?, v(&hex[4..6])?)),
            _ => None,
        }
    }

    /// WCAG 2 relative luminance.
    pub fn luminance(self) -> f64 {
        let ch = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * ch(self.0) + 0.7152 * ch(self.1) + 0.0722 * ch(self.2)
    }

    pub fn css(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// WCAG 2 contrast ratio between two colours, from 1 to 21.
pub fn contrast(a: Color, b: Color) -> f64 {
    let (la, lb) = (a.luminance(), b.luminance());
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

/// WCAG AA for normal text.
pub const AA: f64 = 4.5;

/// A length within bounds, in px, rem or em.
fn parse_length(s: &str, px: (f64, f64), rem: Option<(f64, f64)>) -> Option<String> {
    let (num, unit) = if let Some(n) = s.strip_suffix("px") {
        (n, "px")
    } else if let Some(n) = s.strip_suffix("rem") {
        (n, "rem")
    } else if let Some(n) = s.strip_suffix("em") {
        (n, "em")
    } else {
        return None;
    };
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let n: f64 = num.parse().ok()?;
    let (lo, hi) = if unit == "px" { px } else { rem? };
    (lo..=hi).contains(&n).then(|| format!("{n}{unit}"))
}

/// A font family list: comma-separated bare identifiers or quoted names of letters,
/// digits, spaces, `-` and `_`. Nothing that could end a declaration gets through.
fn parse_font_family(s: &str) -> Option<String> {
    if s.len() > 200 {
        return None;
    }
    let mut out = Vec::new();
    for part in s.split(',') {
        let p = part.trim();
        let name_ok = |n: &str| {
            !n.is_empty()
                && n.chars()
                    .all(|c| c.is_alphanumeric() || c == ' ' || c == '-' || c == '_')
        };
        let quoted =
            (p.starts_with('"') && p.ends_with('"')) || (p.starts_with('\'') && p.ends_with('\''));
        if quoted && p.len() >= 2 && name_ok(&p[1..p.len() - 1]) {
            out.push(format!("\"{}\"", &p[1..p.len() - 1]));
        } else if !quoted
            && name_ok(p)
            && !p.contains(' ')
            && !p.to_ascii_lowercase().starts_with("url")
        {
            out.push(p.to_string());
        } else {
            return None;
        }
    }
    Some(out.join(", "))
}

/// Defaults of the light and dark palettes (kept equal to widget/static/chatpay.css).
pub const LIGHT: Palette = Palette {
    primary: Color(0x1a, 0x56, 0xdb),
    background: Color(0xff, 0xff, 0xff),
    text: Color(0x1f, 0x29, 0x37),
    danger: Color(0xb9, 0x1c, 0x1c),
};
pub const DARK: Palette = Palette {
    primary: Color(0x1a, 0x56, 0xdb),
    background: Color(0x11, 0x18, 0x27),
    text: Color(0xf3, 0xf4, 0xf6),
    danger: Color(0xfc, 0xa5, 0xa5),
};

/// The colours the contrast checks compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    pub primary: Color,
    pub background: Color,
    pub text: Color,
    pub danger: Color,
}

impl Palette {
    /// This palette with the colour variable `name` (one of [`COLORS`]) replaced by `c`.
    fn with(mut self, name: &str, c: Color) -> Palette {
        match name {
            "colorPrimary" => self.primary = c,
            "colorBackground" => self.background = c,
            "colorText" => self.text = c,
            _ => self.danger = c,
        }
        self
    }
}

/// The colour variables, each one field of [`Palette`].
const COLORS: [&str; 4] = [
    "colorPrimary",
    "colorBackground",
    "colorText",
    "colorDanger",
];

const WHITE: Color = Color(0xff, 0xff, 0xff);

/// A valid appearance: the theme, the accepted variables as (CSS custom property, value),
/// and the refused ones as `param` names.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Appearance {
    pub theme: Theme,
    pub vars: Vec<(&'static str, String)>,
    pub refused: Vec<String>,
}

impl Appearance {
    /// Parses the host's JSON. Never fails: what is invalid is refused and reported.
    pub fn parse(json: &str) -> Appearance {
        let v: Value = serde_json::from_str(json).unwrap_or(Value::Null);
        Appearance::from_value(&v)
    }

    pub fn from_value(v: &Value) -> Appearance {
        let mut a = Appearance::default();
        match v.get("theme").map(|t| t.as_str()) {
            None => {}
            Some(Some("light")) => a.theme = Theme::Light,
            Some(Some("dark")) => a.theme = Theme::Dark,
            Some(Some("auto")) => a.theme = Theme::Auto,
            Some(_) => a.refused.push("theme".into()),
        }
        // Auto is checked against both palettes.
        let bases: &[Palette] = match a.theme {
            Theme::Light => &[LIGHT],
            Theme::Dark => &[DARK],
            Theme::Auto => &[LIGHT, DARK],
        };
        let Some(vars) = v.get("variables").and_then(Value::as_object) else {
            if v.get("variables").is_some() {
                a.refused.push("variables".into());
            }
            return a;
        };
        let str_of = |k: &str| vars.get(k).and_then(Value::as_str);
        let color_of = |k: &str| str_of(k).and_then(Color::parse);
        for (k, _) in vars.iter() {
            let param = format!("variables.{k}");
            let s = str_of(k);
            let ok: Option<(&'static str, String)> = match k.as_str() {
                "colorPrimary" | "colorBackground" | "colorText" | "colorDanger" => {
                    color_of(k)
                        .filter(|_| {
                            bases.iter().all(|base| {
                                // Only this colour and colours acceptable on their own change the palette.
                                let mut p = *base;
                                for name in COLORS {
                                    if let Some(c) = color_of(name) {
                                        if name == k || !refused_color(vars, name, base) {
                                            p = p.with(name, c);
                                        }
                                    }
                                }
                                check(&p, k)
                            })
                        })
                        .map(|c| (prop(k), c.css()))
                }
                "borderRadius" => s
                    .and_then(|s| parse_length(s, (0.0, 32.0), None))
                    .map(|v| ("--cp-radius", v)),
                "fontSizeBase" => s
                    .and_then(|s| parse_length(s, (12.0, 24.0), Some((0.75, 1.5))))
                    .map(|v| ("--cp-font-size", v)),
                "fontFamily" => s.and_then(parse_font_family).map(|v| ("--cp-font", v)),
                _ => None,
            };
            match ok {
                Some(pair) => a.vars.push(pair),
                None => a.refused.push(param),
            }
        }
        a
    }
}

fn prop(k: &str) -> &'static str {
    match k {
        "colorPrimary" => "--cp-primary",
        "colorBackground" => "--cp-bg",
        "colorText" => "--cp-text",
        _ => "--cp-danger",
    }
}

/// Whether the colour `k`, in palette `p`, keeps AA contrast with what it meets.
fn check(p: &Palette, k: &str) -> bool {
    match k {
        "colorPrimary" => contrast(WHITE, p.primary) >= AA,
        "colorBackground" => {
            contrast(p.text, p.background) >= AA && contrast(p.danger, p.background) >= AA
        }
        "colorText" => contrast(p.text, p.background) >= AA,
        _ => contrast(p.danger, p.background) >= AA,
    }
}

/// A colour judged on its own against the base palette (to decide whether the others may count it).
fn refused_color(vars: &serde_json::Map<String, Value>, name: &str, base: &Palette) -> bool {
    let Some(c) = vars
        .get(name)
        .and_then(Value::as_str)
        .and_then(Color::parse)
    else {
        return true;
    };
    !check(&base.with(name, c), name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_of_known_pairs() {
        let black = Color(0, 0, 0);
        assert!((contrast(black, WHITE) - 21.0).abs() < 1e-9);
        assert!((contrast(WHITE, WHITE) - 1.0).abs() < 1e-9);
        // #777 on white is the classic just-below-AA grey: 4.48:1.
        let grey = Color::parse("#777").unwrap();
        assert!((contrast(grey, WHITE) - 4.48).abs() < 0.01);
        assert!((contrast(Color::parse("#767676").unwrap(), WHITE) - 4.54).abs() < 0.01);
    }

    #[test]
    fn defaults_meet_aa() {
        for p in [LIGHT, DARK] {
            for k in [
                "colorPrimary",
                "colorBackground",
                "colorText",
                "colorDanger",
            ] {
                assert!(check(&p, k), "{k} in {p:?}");
            }
        }
    }

    #[test]
    fn accepts_the_documented_example() {
        let a = Appearance::parse(
            r##"{"theme":"dark","variables":{"colorPrimary":"#0a5cff","borderRadius":"12px","fontFamily":"system-ui, 'Noto Sans'"}}"##,
        );
        assert_eq!(a.theme, Theme::Dark);
        assert_eq!(a.refused, Vec::<String>::new());
        assert!(a.vars.contains(&("--cp-radius", "12px".into())));
        assert!(a
            .vars
            .contains(&("--cp-font", "system-ui, \"Noto Sans\"".into())));
    }

    #[test]
    fn refuses_injection_and_low_contrast_one_by_one() {
        let a = Appearance::parse(
            r##"{"variables":{"fontFamily":"x;}body{display:none","colorPrimary":"red;background:url(//evil)","colorDanger":"#ffff66","borderRadius":"99px","colorText":"#000","nope":"1"}}"##,
        );
        for p in [
            "fontFamily",
            "colorPrimary",
            "colorDanger",
            "borderRadius",
            "nope",
        ] {
            assert!(a.refused.contains(&format!("variables.{p}")), "{p}: {a:?}");
        }
        assert_eq!(a.vars, vec![("--cp-text", "#000000".to_string())]);
        assert_eq!(
            Appearance::parse(r#"{"theme":"neon"}"#).refused,
            vec!["theme"]
        );
        assert!(
            Appearance::parse(r##"{"variables":{"colorPrimary":"#ffff66"}}"##)
                .refused
                .len()
                == 1
        );
        for bad in ["url(x)", "a/*b*/", "\\61", "<b>", "a{b}", "rgb(1,2,3)"] {
            assert_eq!(parse_font_family(bad), None, "{bad}");
        }
    }
}
