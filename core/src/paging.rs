//! Cursor paging of list calls: `limit` and `starting_after`.

use crate::fields::FieldError;

/// `limit` and `starting_after` of a list call.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Page {
    pub limit: usize,
    pub starting_after: Option<String>,
}

impl Page {
    pub const DEFAULT_LIMIT: usize = 20;
    pub const MAX_LIMIT: usize = 100;

    /// From URL query pairs; any other parameter is `parameter_unknown`.
    pub fn parse(query: &[(String, String)]) -> Result<Page, FieldError> {
        let mut page = Page {
            limit: Self::DEFAULT_LIMIT,
            starting_after: None,
        };
        for (name, value) in query {
            match name.as_str() {
                "limit" => {
                    page.limit = value
                        .parse()
                        .ok()
                        .filter(|n| (1..=Self::MAX_LIMIT).contains(n))
                        .ok_or_else(|| {
                            FieldError::invalid(
                                "limit",
                                format!("`limit` is a whole number from 1 to {}.", Self::MAX_LIMIT),
                            )
                        })?;
                }
                "starting_after" if !value.is_empty() => {
                    page.starting_after = Some(value.clone());
                }
                other => return Err(FieldError::unknown(other)),
            }
        }
        Ok(page)
    }
}
